import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  attestationVerifies, canonical, evidenceId, evidenceReportMessage, formatKey, parseAttestation, rawCid,
  maxAnswerBytes, responseHash, serviceCall, serviceId, signedFuel, signingText, verifyRecord, verifySignature, type Json,
} from "../src/index.js";

/** The protocol vectors the Java implementation computes (core ProtocolVectorsTest keeps them current). */
const vectors = JSON.parse(readFileSync(fileURLToPath(new URL(
  "../../../../core/src/test/resources/protocol/vectors.json", import.meta.url)), "utf8"));

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

test("canonical JSON is byte for byte what Java writes", () => {
  assert.ok(vectors.canonical.length >= 6);
  for (const v of vectors.canonical) assert.equal(canonical(JSON.parse(v.input)), v.canonical, v.input);
});

test("keys print as Java prints them and their signatures verify", async () => {
  for (const v of vectors.keys) {
    assert.equal(formatKey(hex(v.publicKeyHex)), v.publicKey);
    assert.ok(await verifySignature(v.publicKey, v.message, v.sig));
    assert.ok(!(await verifySignature(v.publicKey, v.message + "!", v.sig)));
  }
});

/** RFC 8032 as the nodes check it: a signature whose S is not reduced (S + L, same point equation) is refused. */
test("a signature with S not below the group order is refused", async () => {
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  for (const v of vectors.keys) {
    const sig = Uint8Array.from(atob(v.sig.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    let S = 0n;
    for (let i = 63; i >= 32; i--) S = (S << 8n) | BigInt(sig[i]);
    S += L;
    if (S >= 1n << 256n) continue;
    for (let i = 32; i < 64; i++, S >>= 8n) sig[i] = Number(S & 0xffn);
    const forged = btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    assert.ok(!(await verifySignature(v.publicKey, v.message, forged)));
  }
});

test("raw CIDs", () => {
  for (const v of vectors.cids) assert.equal(rawCid(hex(v.dataHex)), v.cid);
});

test("records: signing bytes, service id, signatures", async () => {
  const { service, server, tamperedService } = vectors.records;
  assert.equal(signingText(service.record), service.signingBytes);
  assert.equal(serviceId(service.record), service.serviceId);
  assert.equal(maxAnswerBytes(service.record.limits), service.maxAnswerBytes);
  assert.equal(signingText(server.record), server.signingBytes);
  assert.equal((await verifyRecord(service.record)).type, "service");
  assert.equal((await verifyRecord(server.record)).type, "server");
  await assert.rejects(verifyRecord(tamperedService), /sig: does not verify/);
  // A server record's signature never passes for a service record: the type is signed.
  await assert.rejects(verifyRecord({ ...server.record, type: "service" }));
});

test("request and response hashes", () => {
  for (const v of vectors.requests) {
    const call = serviceCall(v.method, v.params as Json);
    assert.equal(call.canonical, v.canonical);
    assert.equal(call.requestHash, v.requestHash);
  }
  assert.equal(serviceCall("ping").requestHash, vectors.requests[2].requestHash);
  for (const v of vectors.responses) assert.equal(responseHash(v.response), v.responseHash);
});

test("attestations v1 and v2: what verifies and which fuel is believed", async () => {
  for (const v of vectors.attestations) {
    const a = parseAttestation(v.attestation);
    assert.equal(await attestationVerifies(a), v.valid, v.name);
    if (v.valid) assert.equal(signedFuel(a), v.signedFuel, v.name);
  }
});

test("evidence ids and reporter signatures", async () => {
  for (const v of vectors.evidence) assert.equal(evidenceId(v.evidence), v.id, v.name);
  const first = vectors.evidence[0];
  assert.ok(await verifySignature(first.reporter, evidenceReportMessage(first.id), first.reporterSig));
});
