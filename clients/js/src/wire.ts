import { canonical, isObject, sha256Hex, type Json, type JsonObject } from "./json.js";
import { verifySignature } from "./crypto.js";

/** One call of a service in canonical form: the bytes the module receives and their hash. */
export interface ServiceCall {
  method: string;
  params: Json;
  /** `JCS({"method":…,"params":…})`, absent params being null. */
  canonical: string;
  requestHash: string;
}

/** The canonical request and its hash (docs/protocol.md, "Calling a service"). */
export function serviceCall(method: string, params?: Json): ServiceCall {
  const p = params === undefined ? null : params;
  const text = canonical({ method, params: p });
  return { method, params: p, canonical: text, requestHash: sha256Hex(text) };
}

/** The hash of a response object, `{"result":…}` or `{"error":…}`. */
export function responseHash(response: JsonObject): string {
  return sha256Hex(canonical(response));
}

/** A server's signed statement about one request and its response (the `tandem` member of an answer). */
export interface Attestation {
  /** 2 signs everything; 1 (no `v` on the wire) left fuel unsigned. */
  v: 1 | 2;
  server: string;
  service: string;
  requestHash: string;
  responseHash: string;
  fuel: number;
  sig: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses an attestation's JSON form; throws an Error saying what is wrong. */
export function parseAttestation(json: unknown): Attestation {
  if (!isObject(json)) throw new Error("attestation: must be an object");
  const v = json.v === undefined ? 1 : json.v;
  if (v !== 1 && v !== 2) throw new Error(`attestation: v must be 1 or 2, not ${JSON.stringify(v)}`);
  const { server, service, requestHash, responseHash, sig } = json;
  const fuel = json.fuel === undefined ? 0 : json.fuel;
  if (typeof server !== "string" || typeof service !== "string" || typeof sig !== "string") {
    throw new Error("attestation: server, service and sig are required strings");
  }
  if (typeof requestHash !== "string" || !HEX64.test(requestHash)
      || typeof responseHash !== "string" || !HEX64.test(responseHash)) {
    throw new Error("attestation: hashes must be 64 lowercase hex digits");
  }
  if (typeof fuel !== "number" || !Number.isSafeInteger(fuel) || fuel < 0) {
    throw new Error("attestation: fuel must be a non-negative integer");
  }
  return { v, server, service, requestHash, responseHash, fuel, sig };
}

/** What the server signed: version 2 covers the fuel, version 1 did not. */
export function attestationMessage(a: Attestation): string {
  return a.v === 1 ? `tandem-attestation-v1\n${a.service}${a.requestHash}${a.responseHash}`
    : `tandem-attestation-v2\n${a.service}\n${a.requestHash}\n${a.responseHash}\n${a.fuel}`;
}

/** Whether the attestation's signature verifies under its server's key. */
export function attestationVerifies(a: Attestation): Promise<boolean> {
  return verifySignature(a.server, attestationMessage(a), a.sig);
}

/** The fuel the server vouched for: signed in version 2, else 0 (a relay could have changed it). */
export function signedFuel(a: Attestation): number {
  return a.v >= 2 ? a.fuel : 0;
}

/** The JSON form of an attestation, as nodes send it. */
export function attestationJson(a: Attestation): JsonObject {
  const out: JsonObject = {};
  if (a.v !== 1) out.v = a.v;
  Object.assign(out, { server: a.server, service: a.service, requestHash: a.requestHash,
    responseHash: a.responseHash, fuel: a.fuel, sig: a.sig });
  return out;
}

/** Evidence as `tandem_submitEvidence` takes it (docs/protocol.md, "Evidence"). */
export interface Evidence {
  type: "tandem-evidence-v1";
  service: string;
  request: { method: string; params: Json };
  requestHash: string;
  attestations: JsonObject[];
  responses: { [responseHash: string]: JsonObject };
}

/** Evidence of one call's signed answers: each attestation with the response it signed (hashes already checked). */
export function evidenceOf(service: string, call: ServiceCall,
    signed: { attestation: Attestation; response: JsonObject }[]): Evidence {
  const responses: { [hash: string]: JsonObject } = {};
  for (const s of signed) responses[s.attestation.responseHash] ??= s.response;
  return { type: "tandem-evidence-v1", service, request: { method: call.method, params: call.params },
    requestHash: call.requestHash, attestations: signed.map((s) => attestationJson(s.attestation)), responses };
}

/**
 * The evidence id: hex SHA-256 of `JCS({"service","requestHash","attestations":[[server, responseHash]…]})`, the
 * pairs distinct and sorted, so fuel, signatures and order never make a new id.
 */
export function evidenceId(e: { service: string; requestHash: string; attestations: readonly Json[] }): string {
  const pairs = new Map<string, [string, string]>();
  for (const raw of e.attestations) {
    const a = parseAttestation(raw);
    pairs.set(`${a.server}\n${a.responseHash}`, [a.server, a.responseHash]);
  }
  const sorted = [...pairs.values()].sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1]));
  return sha256Hex(canonical({ service: e.service, requestHash: e.requestHash, attestations: sorted }));
}

/** Java's String.compareTo: UTF-16 code units, which is what JS string comparison does too. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a reporter signs to put its name on evidence it relays. */
export function evidenceReportMessage(id: string): string {
  return `tandem-evidence-report-v2\n${id}`;
}
