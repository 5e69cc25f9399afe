import { test } from "node:test";
import assert from "node:assert/strict";
import { TandemClient } from "../src/index.js";
import { memoryModuleCache } from "../src/modules.js";
import { FakeNet, newKey, server, service, sleep } from "./support/fake.js";

/**
 * Refreshes off the calls' path: connect waits for the first pull, since a client knows no service before it; after
 * that, records and feeds older than the refresh interval are refreshed in the background, one refresh at a time, and
 * no call waits for it, so a bootstrap node that stops answering holds no call. An explicit refresh waits for the one
 * in flight instead of pulling alongside it.
 */
test("a stale refresh runs in the background, one at a time, and calls go on without it", async () => {
  const net = new FakeNet();
  const echo = service(newKey(), "echo");
  const [a, b] = [newKey(), newKey()];
  net.servers.set("http://a.test", a);
  net.servers.set("http://b.test", b);
  net.records = [echo.record, server(a, "http://a.test", [echo.id]), server(b, "http://b.test", [echo.id])];
  // Both servers established here, so two agreeing answers are taken without a re-run.
  const servers = Object.fromEntries([a, b].map((k) => [k.key, { score: 70, confirmations: 5, latencyMs: 0 }]));
  const client = await TandemClient.connect({ bootstrap: [FakeNet.BOOT], fetch: net.fetch, refreshIntervalMs: 0,
    audit: 0, moduleCache: memoryModuleCache(), registry: "full",
    scoreStore: { load: () => ({ servers, feeds: {} }), save: () => undefined } });
  assert.deepEqual([net.recordsAsked, net.evidenceAsked], [1, 1], "connect waited for the first pull");

  net.stall();
  const started = Date.now();
  const outcomes = await Promise.all([1, 2, 3, 4, 5].map((n) => client.call("echo", "echo", { n })));
  outcomes.forEach((o, i) => assert.deepEqual(o.result, { n: i + 1 }));
  assert.ok(Date.now() - started < 2000, `the calls took ${Date.now() - started} ms`);
  await sleep(50);
  assert.equal(net.recordsAsked, 2, "one background refresh for every stale call");
  assert.equal(net.evidenceAsked, 1, "its feed pull waits for its records");

  let explicitDone = false;
  const explicit = client.refresh().then(() => explicitDone = true);
  await sleep(100);
  assert.ok(!explicitDone, "an explicit refresh waits for the one in flight");
  assert.equal(net.recordsAsked, 2, "and does not pull alongside it");

  net.release();
  await explicit;
  assert.deepEqual([net.recordsAsked, net.evidenceAsked], [3, 3]);
  assert.equal(net.mostInFlight, 1, "never two pulls at once");
  await client.close();
});

test("a refresh interval must be 0 or more, and the feed's limits positive", async () => {
  await assert.rejects(TandemClient.connect({ bootstrap: [FakeNet.BOOT], refreshIntervalMs: -1 }), RangeError);
  await assert.rejects(TandemClient.connect({ bootstrap: [FakeNet.BOOT], feedRerunBudgetMs: 0 }), RangeError);
  await assert.rejects(TandemClient.connect({ bootstrap: [FakeNet.BOOT], feedMaxRerunTimeoutMs: Number.NaN }),
    RangeError);
});

/**
 * By default a client looks up the services it calls and never copies the registry, whose size anyone can grow: the
 * first call of a service asks the bootstrap node for it and the servers offering it, later calls use what it sent,
 * and a refresh asks again for the services called. A bootstrap node of an older release, which does not know the
 * lookup, is read whole.
 */
test("a client looks up the services it calls and never reads the whole registry", async () => {
  for (const knowsLookup of [true, false]) {
    const net = new FakeNet();
    net.knowsLookup = knowsLookup;
    const echo = service(newKey(), "echo");
    const [a, b] = [newKey(), newKey()];
    net.servers.set("http://a.test", a);
    net.servers.set("http://b.test", b);
    const other = service(newKey(), "other");
    net.records = [other.record, server(newKey(), "http://c.test", [other.id]), echo.record,
      server(a, "http://a.test", [echo.id]), server(b, "http://b.test", [echo.id])];
    const servers = Object.fromEntries([a, b].map((k) => [k.key, { score: 70, confirmations: 5, latencyMs: 0 }]));
    const client = await TandemClient.connect({ bootstrap: [FakeNet.BOOT], fetch: net.fetch, audit: 0,
      moduleCache: memoryModuleCache(), scoreStore: { load: () => ({ servers, feeds: {} }), save: () => undefined } });
    assert.deepEqual([net.recordsAsked, net.lookupsAsked], [0, 0], "connect reads no record");

    for (const n of [1, 2]) assert.deepEqual((await client.call("echo", "echo", { n })).result, { n });
    if (knowsLookup) {
      assert.deepEqual([net.recordsAsked, net.lookupsAsked], [0, 1], "one lookup for two calls");
      assert.deepEqual([...client.directory.services.keys()], [echo.id], "only the service called is known");
      assert.equal(client.directory.servers.size, 2);
      await client.refresh();
      assert.deepEqual([net.recordsAsked, net.lookupsAsked], [0, 2], "a refresh looks the service up again");
    } else {
      assert.deepEqual([net.recordsAsked, net.lookupsAsked], [1, 0], "an older node is read whole");
    }
    await assert.rejects(client.call("nothing", "echo", {}), /no service 'nothing'/);
    await client.close();
  }
});

/** A service offered by fewer than two servers is looked up again before a call (at most twice a second). */
test("a call of a service that too few servers offer looks it up again first", async () => {
  const net = new FakeNet();
  const echo = service(newKey(), "echo");
  const [a, b] = [newKey(), newKey()];
  net.servers.set("http://a.test", a);
  net.servers.set("http://b.test", b);
  net.records = [echo.record, server(a, "http://a.test", [echo.id])];
  const client = await TandemClient.connect({ bootstrap: [FakeNet.BOOT], fetch: net.fetch, audit: 0,
    moduleCache: memoryModuleCache(), evidenceFeed: false });
  await client.call("echo", "echo", { n: 1 }).catch(() => undefined);
  assert.equal(net.lookupsAsked, 2, "by name, then by id: one server is not enough");
  net.records = [...net.records, server(b, "http://b.test", [echo.id])];
  await client.call("echo", "echo", { n: 2 }).catch(() => undefined);
  assert.equal(net.lookupsAsked, 2, "not again within half a second");
  await sleep(600);
  await client.call("echo", "echo", { n: 3 }).catch(() => undefined);
  assert.equal(net.lookupsAsked, 3);
  assert.equal(client.directory.offering(echo.id).length, 2, "the new server came with it");
  await client.close();
});

/** When no bootstrap node answers a service's lookup, the call says so, rather than that the service does not exist. */
test("a lookup that no bootstrap node answers is a NoServersError, not a missing service", async () => {
  const net = new FakeNet();
  const client = await TandemClient.connect({ bootstrap: [FakeNet.BOOT], fetch: net.fetch, moduleCache: memoryModuleCache(),
    evidenceFeed: false });
  net.down = true;
  await assert.rejects(client.call("echo", "echo", {}), (e: Error) => e.name === "NoServersError"
    && /no bootstrap node answered a lookup of 'echo'/.test(e.message));
  await client.close();
});
