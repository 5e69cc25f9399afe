import { test } from "node:test";
import assert from "node:assert/strict";
import { inputLinks, MAX_LINKS, unixFsData } from "../src/inputs.js";
import { rawCid } from "../src/cid.js";
import type { Json } from "../src/json.js";

const a = rawCid("a");
const b = rawCid("b");
const c = rawCid("c");

/** Input i is the i-th link of the canonical params: members sorted, depth first, arrays in order (the nodes' rule). */
test("inputs by CID: links in canonical order, at most 16, each a CID", () => {
  const params: Json = { z: { "/": a }, b: [{ "/": b }, { x: { "/": c } }], m: { "/": a, other: 1 }, s: "bafy" };
  assert.deepEqual(inputLinks(params).map(String), [b, c, a]);
  assert.deepEqual(inputLinks(null), []);
  // {"/": …} with another member is no link; a non-string "/" neither.
  assert.deepEqual(inputLinks({ x: { "/": 5 } }), []);
  assert.throws(() => inputLinks({ x: { "/": "not-a-cid" } }), /link \{"\/": "not-a-cid"\}/);
  assert.equal(inputLinks(Array(MAX_LINKS).fill({ "/": a })).length, MAX_LINKS);
  assert.throws(() => inputLinks(Array(MAX_LINKS + 1).fill({ "/": a })), /at most 16 inputs/);
  // CIDv0 links parse too.
  assert.equal(inputLinks({ x: { "/": "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n" } }).length, 1);
});

/** UnixFS Data: type and bytes read, the other fields skipped, truncated messages refused. */
test("UnixFS data: type and bytes of a file node", () => {
  // Type=2 (file), Data="hi", filesize=2, blocksizes=[2]
  const msg = Uint8Array.from([0x08, 0x02, 0x12, 0x02, 0x68, 0x69, 0x18, 0x02, 0x20, 0x02]);
  const d = unixFsData(msg);
  assert.equal(d.type, 2);
  assert.deepEqual([...d.data], [0x68, 0x69]);
  assert.deepEqual([...unixFsData(Uint8Array.from([0x08, 0x02])).data], []);
  assert.throws(() => unixFsData(Uint8Array.from([0x08, 0x02, 0x12, 0x05, 0x68])), /cut short/);
  assert.throws(() => unixFsData(Uint8Array.from([0x12, 0x00])), /without a type/);
});
