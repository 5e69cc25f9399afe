import { test } from "node:test";
import assert from "node:assert/strict";
import { Scores } from "../src/index.js";
import { Directory } from "../src/directory.js";
import { EvidenceFeed, FEED_MAX_RERUN_MEMORY_PAGES } from "../src/feed.js";
import type { Referee } from "../src/referee.js";
import type { ServiceCall } from "../src/wire.js";
import { conflict, FakeNet, newKey, service, sleep } from "./support/fake.js";

/** A referee whose re-runs of echo take `ms` each, counted. */
function slowEcho(ms: number) {
  const referee = { runs: 0, async rerun(_record: unknown, call: ServiceCall) {
    referee.runs++;
    await sleep(ms);
    return { response: { result: call.params }, fuel: 1 };
  } };
  return referee;
}

/** A feed of `net`'s node that knows `services`, with these limits. */
function feed(net: FakeNet, scores: Scores, referee: object, services: ReturnType<typeof service>[],
    limits: { rerunBudgetMs?: number; maxRerunTimeoutMs?: number } = {}) {
  const directory = new Directory(net.fetch);
  for (const s of services) directory.services.set(s.id, s.record);
  return new EvidenceFeed(net.fetch, directory, scores, referee as Referee, limits);
}

/**
 * A pull re-runs evidence for at most its budget of wall time (its first re-run always runs); what is left is judged
 * by the next pulls, from where the feed position stopped: it never moves past an item not judged yet, and a page
 * read again re-runs none of its items twice.
 */
test("the evidence feed re-runs within a budget per pull, and the next pulls judge the rest", async () => {
  const net = new FakeNet();
  const echo = service(newKey(), "echo");
  const honest = newKey();
  const liars = [newKey(), newKey(), newKey()];
  net.evidence = liars.map((liar, n) => conflict(echo.id, { n }, honest, liar));
  const scores = new Scores();
  const referee = slowEcho(20);
  const f = feed(net, scores, referee, [echo], { rerunBudgetMs: 1 });
  const convicted = () => liars.map((l) => scores.blacklisted(l.key));

  await f.pull([FakeNet.BOOT]);
  assert.deepEqual(convicted(), [true, false, false]);
  assert.equal(scores.feedPosition(FakeNet.BOOT)?.cursor ?? 0, 0, "the position stays before the items not judged");
  await f.pull([FakeNet.BOOT]);
  assert.deepEqual(convicted(), [true, true, false]);
  assert.equal(scores.feedPosition(FakeNet.BOOT)?.cursor ?? 0, 0);
  await f.pull([FakeNet.BOOT]);
  assert.deepEqual(convicted(), [true, true, true]);
  assert.equal(scores.feedPosition(FakeNet.BOOT)?.cursor, 3, "every item judged: the position moves past them");
  assert.equal(referee.runs, 3, "a page read again re-runs nothing twice");
  assert.ok(!scores.blacklisted(honest.key));
});

/**
 * Evidence of a service allowed to run longer than the client's cap is never re-run here (anyone can register one
 * whose every call takes its whole limit): it is counted as passed over and read past, as the nodes judge it.
 */
test("evidence of a service that may run longer than the cap is passed over, not re-run", async () => {
  const net = new FakeNet();
  const owner = newKey();
  const slow = service(owner, "slow", 20_000);
  const echo = service(owner, "echo", 5_000);
  const [honest, slowLiar, liar] = [newKey(), newKey(), newKey()];
  net.evidence = [conflict(slow.id, { n: 0 }, honest, slowLiar), conflict(echo.id, { n: 1 }, honest, liar)];
  const scores = new Scores();
  const referee = slowEcho(0);
  const f = feed(net, scores, referee, [slow, echo]); // the default cap: 10 s
  await f.pull([FakeNet.BOOT]);
  assert.ok(!scores.blacklisted(slowLiar.key), "not re-run, so nobody convicted");
  assert.equal(f.stats.passedOver, 1);
  assert.ok(scores.blacklisted(liar.key), "the item after it is judged");
  assert.equal(referee.runs, 1);
  assert.equal(scores.feedPosition(FakeNet.BOOT)?.cursor, 2, "read past");

  // A client that chooses a higher cap re-runs it.
  const scores2 = new Scores();
  const f2 = feed(net, scores2, slowEcho(0), [slow, echo], { maxRerunTimeoutMs: 30_000 });
  await f2.pull([FakeNet.BOOT]);
  assert.ok(scores2.blacklisted(slowLiar.key));
  assert.equal(f2.stats.passedOver, 0);
});

/** Nor is evidence of a service that may take more memory than a page should give a feed: 256 MiB. */
test("evidence of a service that may use more than 256 MiB is passed over, not re-run", async () => {
  const net = new FakeNet();
  const owner = newKey();
  const big = service(owner, "big", 5_000, FEED_MAX_RERUN_MEMORY_PAGES + 1);
  const echo = service(owner, "echo", 5_000, FEED_MAX_RERUN_MEMORY_PAGES);
  const [honest, bigLiar, liar] = [newKey(), newKey(), newKey()];
  net.evidence = [conflict(big.id, { n: 0 }, honest, bigLiar), conflict(echo.id, { n: 1 }, honest, liar)];
  const scores = new Scores();
  const referee = slowEcho(0);
  const f = feed(net, scores, referee, [big, echo]);
  await f.pull([FakeNet.BOOT]);
  assert.ok(!scores.blacklisted(bigLiar.key), "not re-run, so nobody convicted");
  assert.equal(f.stats.passedOver, 1);
  assert.ok(scores.blacklisted(liar.key), "the item after it is judged");
  assert.equal(referee.runs, 1);
  assert.equal(scores.feedPosition(FakeNet.BOOT)?.cursor, 2, "read past");
});

/**
 * Stopping the feed (a client's close) ends the pull under way before its next re-run: the re-run in flight is still
 * judged, the position stays before the items not judged, and a later pull judges them.
 */
test("a stopped pull starts no more re-runs, and the next pull judges the rest", async () => {
  const net = new FakeNet();
  const echo = service(newKey(), "echo");
  const honest = newKey();
  const liars = [newKey(), newKey(), newKey()];
  net.evidence = liars.map((liar, n) => conflict(echo.id, { n }, honest, liar));
  const scores = new Scores();
  const referee = slowEcho(100);
  const f = feed(net, scores, referee, [echo]);
  const convicted = () => liars.map((l) => scores.blacklisted(l.key));

  const pulling = f.pull([FakeNet.BOOT]);
  await sleep(50); // the first re-run is under way
  f.stop();
  await pulling;
  assert.deepEqual(convicted(), [true, false, false], "the re-run in flight judged, no other started");
  assert.equal(referee.runs, 1);
  assert.equal(scores.feedPosition(FakeNet.BOOT)?.cursor ?? 0, 0, "the position stays before the items not judged");

  await f.pull([FakeNet.BOOT]);
  assert.deepEqual(convicted(), [true, true, true]);
  assert.equal(referee.runs, 3);
});

/**
 * A client that looks services up knows only those it called, so the feed looks up the service of an item it does not
 * know (from the bootstrap nodes, within the pull's budget) and judges it: convictions reach it whatever it calls.
 */
test("the feed looks up the service of evidence it does not know, and judges it", async () => {
  const net = new FakeNet();
  const echo = service(newKey(), "echo");
  const [honest, liar] = [newKey(), newKey()];
  net.records = [echo.record];
  net.evidence = [conflict(echo.id, { n: 1 }, honest, liar)];
  const scores = new Scores();
  const referee = slowEcho(0);
  const directory = new Directory(net.fetch);
  const f = new EvidenceFeed(net.fetch, directory, scores, referee as unknown as Referee, { lookUpServices: true });
  await f.pull([FakeNet.BOOT]);
  assert.equal(net.lookupsAsked, 1);
  assert.ok(scores.blacklisted(liar.key));
  assert.ok(!scores.blacklisted(honest.key));
  assert.equal(directory.lookedUpAt(echo.id), undefined, "not looked up again on each refresh: the client never called it");

  const without = new Scores();
  await feed(net, without, slowEcho(0), []).pull([FakeNet.BOOT]);
  assert.ok(!without.blacklisted(liar.key), "without lookups, the item waits for its record");
});
