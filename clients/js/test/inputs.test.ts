import { test } from "node:test";
import assert from "node:assert/strict";
import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import { create as digestOf } from "multiformats/hashes/digest";
import { sha256 } from "@noble/hashes/sha2.js";
import { inputLinks, MAX_LINKS, readFile, unixFsData } from "../src/inputs.js";
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

/** A crafted DAG linking one empty block twice at each of 60 levels (2^60 visits if followed) is refused at once. */
test("a file DAG that links an empty block over and over is refused after a few visits", () => {
  const blocks = new Map<string, Uint8Array>();
  let below: CID = CID.create(1, 0x55, sha256Digest(new Uint8Array(0)));
  blocks.set(below.toString(), new Uint8Array(0));
  for (let level = 0; level < 60; level++) {
    const node = dagPb.encode({ Data: Uint8Array.from([0x08, 0x02]), Links: [{ Hash: below }, { Hash: below }] });
    below = CID.create(1, 0x70, sha256Digest(node));
    blocks.set(below.toString(), node);
  }
  const start = Date.now();
  assert.throws(() => readFile(below, blocks, 1 << 20), /links blocks that hold nothing over and over/);
  assert.ok(Date.now() - start < 5000);
});

function sha256Digest(bytes: Uint8Array) {
  return digestOf(0x12, sha256(bytes));
}
