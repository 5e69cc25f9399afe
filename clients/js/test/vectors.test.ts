import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  attestationVerifies, canonical, evidenceId, evidenceReportMessage, formatKey, parseAttestation, rawCid,
  responseHash, serviceCall, serviceId, signedFuel, signingText, verifyRecord, verifySignature, type Json,
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

test("raw CIDs", () => {
  for (const v of vectors.cids) assert.equal(rawCid(hex(v.dataHex)), v.cid);
});

test("records: signing bytes, service id, signatures", async () => {
  const { service, server, tamperedService } = vectors.records;
  assert.equal(signingText(service.record), service.signingBytes);
  assert.equal(serviceId(service.record), service.serviceId);
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
