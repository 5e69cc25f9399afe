import { test } from "node:test";
import assert from "node:assert/strict";
import { ModuleStore, memoryModuleCache } from "../src/modules.js";
import { rawCid } from "../src/cid.js";

/** A valid empty wasm module made distinct by a custom section named `name`. */
function module(name: string): Uint8Array {
  const n = new TextEncoder().encode(name);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, n.length + 1, n.length, ...n]);
}

/** Any key can register modules for a client's feed or audits to fetch: compiled ones kept are bounded. */
test("compiled modules kept in memory are bounded, the least recently used dropped", async () => {
  const byCid = new Map<string, Uint8Array>();
  for (let i = 0; i < 40; i++) {
    const bytes = module(`m${i}`);
    byCid.set(rawCid(bytes), bytes);
  }
  const fetcher = (async (url: string) => {
    const cid = new URL(url).pathname.split("/").pop()!;
    return new Response(byCid.get(cid) as BodyInit, { status: 200 });
  }) as unknown as typeof fetch;
  const store = new ModuleStore(fetcher, Promise.resolve(memoryModuleCache()));
  const cids = [...byCid.keys()];
  for (const cid of cids) await store.module(cid, ["http://node.test"]);
  const compiled = (store as unknown as { compiled: Map<string, unknown> }).compiled;
  assert.equal(compiled.size, 32);
  assert.ok(!compiled.has(cids[0]) && compiled.has(cids[39]));
  await store.module(cids[8], ["http://node.test"]); // used again: now the most recently used
  await store.module(cids[0], ["http://node.test"]); // back in (from the byte cache), the eldest dropped
  assert.ok(compiled.has(cids[8]) && compiled.has(cids[0]) && !compiled.has(cids[9]));
});
