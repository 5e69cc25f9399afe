import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Scores, TandemClient, type ServerRecord } from "../src/index.js";
import { Directory } from "../src/directory.js";
import { memoryModuleCache } from "../src/modules.js";

const vectors = JSON.parse(readFileSync(fileURLToPath(new URL(
  "../../../../core/src/test/resources/protocol/vectors.json", import.meta.url)), "utf8"));

/** A bootstrap node's answer to `method`: the vectors' service and server, and an empty feed. */
function bootstrapAnswer(method: string): Response {
  const result = method === "tandem_records"
    ? { records: [vectors.records.service.record, vectors.records.server.record], next: 2, more: false, log: "l" }
    : method === "tandem_lookup"
    ? { services: [vectors.records.service.record], servers: [vectors.records.server.record], more: false }
    : { evidence: [], next: 0, more: false, log: "l" };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result }), { status: 200 });
}

/**
 * Records and evidence come from the bootstrap nodes only. A server learned from a record (any key can register one)
 * is never asked for records or evidence: it could answer with endless pages of fresh records, or of evidence to
 * re-run, and so take a browser's memory and time.
 */
test("records and evidence are pulled from the bootstrap nodes only, never from servers learned of", async () => {
  const bootstrap = "http://bootstrap.test";
  const learned = new URL(vectors.records.server.record.url).origin;
  for (const registry of ["full", "lookup"] as const) {
    const asked: string[] = [];
    const fetcher = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      const method = JSON.parse(String(init?.body ?? "{}")).method;
      asked.push(`${new URL(url).origin} ${method}`);
      return bootstrapAnswer(method);
    }) as typeof fetch;
    const client = await TandemClient.connect({ bootstrap: [bootstrap], fetch: fetcher, registry,
      moduleCache: memoryModuleCache() });
    await client.call(vectors.records.service.serviceId, "echo", {}).catch(() => undefined);
    await client.refresh();
    await client.close();
    assert.ok(asked.includes(`${bootstrap} ${registry === "full" ? "tandem_records" : "tandem_lookup"}`), registry);
    assert.ok(asked.includes(`${bootstrap} tandem_evidence`));
    assert.ok(asked.some((a) => a.startsWith(learned)), `the call went to the server: ${asked.join(", ")}`);
    assert.deepEqual(asked.filter((a) => a.startsWith(learned) && a.includes(" tandem_")), [],
      `asked ${learned}: ${asked.join(", ")}`);
  }
});

/**
 * A referee asks module sources in turn, so their order is what a Sybil would attack: the home server, the bootstrap
 * nodes, the servers offering the service by trust (never by key, which can be ground), then the other known nodes,
 * and no blacklisted server at all (the Java client's DirectoryTest checks the same order).
 */
test("module sources: home, bootstrap, offering servers by trust, other nodes; never a blacklisted one", () => {
  const service = vectors.records.service;
  const id: string = service.serviceId;
  const directory = new Directory(fetch);
  const server = (key: string, url: string, offers: string[]) =>
    ({ ...vectors.records.server.record, key, url, offers }) as ServerRecord;
  directory.servers.set("a", server("a", "http://stranger.test", [id]));
  directory.servers.set("b", server("b", "http://trusted.test/", [id]));
  directory.servers.set("c", server("c", "http://convicted.test", [id]));
  directory.servers.set("d", server("d", "http://other.test", []));
  const scores = new Scores();
  for (let i = 0; i < 20; i++) scores.record("b", "success");
  scores.convict("c");
  assert.deepEqual(directory.moduleSources(service.record, id, scores, ["http://bootstrap.test"]), [
    service.record.home, "http://bootstrap.test", "http://trusted.test", "http://stranger.test", "http://other.test",
  ]);
});

/** A page with more records than asked for is refused whole: an honest node never sends more, and a flood stops. */
test("a records page with more than was asked for is refused whole", async () => {
  const fetcher = (async () => new Response(JSON.stringify({ jsonrpc: "2.0", id: 1,
    result: { records: Array(1001).fill(vectors.records.server.record), next: 1001, more: false, log: "l" } }),
  { status: 200 })) as unknown as typeof fetch;
  const directory = new Directory(fetcher);
  assert.equal(await directory.refresh(["http://flood.test"]), false);
  assert.equal(directory.servers.size, 0);
});

/**
 * Closing the client stops a records pull or lookup in flight: a bootstrap node that stalls its answer (up to the 10 s
 * an RPC may take, page after page for a minute) holds no closed client. What was read before is kept.
 */
test("close() aborts the records pull or lookup in flight, and keeps what was read", async () => {
  for (const registry of ["full", "lookup"] as const) {
    let stall = false;
    let aborted = false;
    const fetcher = (async (_input: string | URL | Request, init?: RequestInit) => {
      const method = JSON.parse(String(init?.body ?? "{}")).method;
      if ((method === "tandem_records" || method === "tandem_lookup") && stall) {
        return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => {
          aborted = true;
          reject(init.signal!.reason);
        }));
      }
      return bootstrapAnswer(method);
    }) as typeof fetch;
    const client = await TandemClient.connect({ bootstrap: ["http://bootstrap.test"], fetch: fetcher, registry,
      moduleCache: memoryModuleCache() });
    if (registry === "lookup") await client.directory.lookup(["http://bootstrap.test"], "echo");
    stall = true;
    const refresh = client.refresh();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await client.close();
    await refresh;
    assert.ok(aborted, `${registry}: the stalled request was aborted`);
    assert.ok(Date.now() - started < 2000, `${registry}: the pull ended ${Date.now() - started} ms after close()`);
    assert.equal(client.directory.services.size, 1);
    assert.equal(client.directory.servers.size, 1);
  }
});

/**
 * A lookup answer is believed no further than its signatures and its bounds: a record altered after signing is left
 * out (and said why), and an answer with more services or servers than a node ever sends is refused whole.
 */
test("a lookup keeps only signed records, and refuses an answer larger than a node sends", async () => {
  const forged = { ...vectors.records.server.record, url: "http://attacker.test" };
  const answer = (services: unknown[], servers: unknown[]) => (async () => new Response(JSON.stringify({
    jsonrpc: "2.0", id: 1, result: { services, servers, more: false } }), { status: 200 })) as unknown as typeof fetch;

  const altered = new Directory(answer([vectors.records.service.record], [forged]));
  assert.equal(await altered.lookup(["http://node.test"], "echo"), true);
  assert.equal(altered.services.size, 1);
  assert.equal(altered.servers.size, 0, "the altered server record is left out");
  assert.equal(altered.rejected.length, 1);

  const flood = new Directory(answer(Array(101).fill(vectors.records.service.record), []));
  assert.equal(await flood.lookup(["http://node.test"], "echo"), false, "101 services: refused whole");
  assert.equal(flood.services.size, 0);
  const servers = new Directory(answer([], Array(1001).fill(vectors.records.server.record)));
  assert.equal(await servers.lookup(["http://node.test"], "echo"), false, "1,001 servers: refused whole");
  assert.equal(servers.servers.size, 0);
});

/**
 * A lookup asks for the servers this client trusts first (`prefer`): a node sends at most a thousand servers, and
 * fresh keys offering a popular service must not crowd out the ones known here. A node of the release before
 * `prefer` refuses the param and is asked again without it.
 */
test("a lookup names the trusted servers to send first, and asks an older node again without them", async () => {
  const scores = new Scores();
  const trusted = vectors.records.server.record.key as string;
  for (let i = 0; i < 5; i++) scores.confirm(trusted); // established
  scores.confirm("ed25519:11111111111111111111111111111111"); // on probation: not named
  const params: unknown[] = [];
  for (const older of [false, true]) {
    params.length = 0;
    const fetcher = (async (_: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body));
      params.push(body.params);
      if (older && body.params.prefer) {
        return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32602,
          message: "params.prefer is not a parameter of tandem_lookup (known: [limit, service])" } }));
      }
      return bootstrapAnswer(body.method);
    }) as typeof fetch;
    const directory = new Directory(fetcher, () => scores.trusted(256));
    assert.ok(await directory.lookup(["http://bootstrap.test"], "echo"));
    assert.deepEqual(params[0], { service: "echo", prefer: [trusted] });
    assert.deepEqual(params.slice(1), older ? [{ service: "echo" }] : []);
    assert.ok(directory.servers.has(trusted));
  }
});
