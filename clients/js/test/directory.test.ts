import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Scores, TandemClient, type ServerRecord } from "../src/index.js";
import { Directory } from "../src/directory.js";
import { memoryModuleCache } from "../src/modules.js";

const vectors = JSON.parse(readFileSync(fileURLToPath(new URL(
  "../../../../core/src/test/resources/protocol/vectors.json", import.meta.url)), "utf8"));

/**
 * Records and evidence come from the bootstrap nodes only. A server learned from a record (any key can register one)
 * is never asked for records or evidence: it could answer with endless pages of fresh records, or of evidence to
 * re-run, and so take a browser's memory and time.
 */
test("records and evidence are pulled from the bootstrap nodes only, never from servers learned of", async () => {
  const bootstrap = "http://bootstrap.test";
  const learned = new URL(vectors.records.server.record.url).origin;
  const asked: string[] = [];
  const fetcher = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const method = JSON.parse(String(init?.body ?? "{}")).method;
    asked.push(`${new URL(url).origin} ${method}`);
    const result = method === "tandem_records"
      ? { records: [vectors.records.service.record, vectors.records.server.record], next: 2, more: false, log: "l" }
      : { evidence: [], next: 0, more: false, log: "l" };
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result }), { status: 200 });
  }) as typeof fetch;
  const client = await TandemClient.connect({ bootstrap: [bootstrap], fetch: fetcher,
    moduleCache: memoryModuleCache() });
  await client.refresh();
  await client.close();
  assert.ok(asked.includes(`${bootstrap} tandem_records`));
  assert.ok(asked.includes(`${bootstrap} tandem_evidence`));
  assert.deepEqual(asked.filter((a) => a.startsWith(learned)), [], `asked ${learned}: ${asked.join(", ")}`);
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
