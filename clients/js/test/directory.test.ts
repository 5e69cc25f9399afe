import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TandemClient } from "../src/index.js";
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
