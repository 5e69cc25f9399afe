import { canonical, isObject, type JsonObject } from "./json.js";
import { rawCid } from "./cid.js";
import { parseKey, verifySignature } from "./crypto.js";

/** A service record (docs/protocol.md, "Records"), as signed by its owner. */
export interface ServiceRecord extends JsonObject {
  type: "service";
  name: string;
  version: string;
  owner: string;
  abi: string;
  verifier: string;
  limits: {
    fuel: number; memoryPages: number; maxRequestBytes: number; maxResponseBytes: number; timeoutMs: number;
    /** All inputs of one call by CID together; absent means 16 MiB. */
    maxInputBytes?: number;
  };
  description: string;
  createdAt: number;
  sig: string;
}

/**
 * The longest answer to one call that an honest node sends for a service with these limits, in bytes: the module's
 * output of up to `maxResponseBytes` once canonicalized, which can make it longer (a number written `1e20`, 4 bytes,
 * is 21 digits in canonical JSON), in the JSON-RPC envelope with the attestation. The client reads no more.
 */
export function maxAnswerBytes(limits: ServiceRecord["limits"]): number {
  return Math.floor(limits.maxResponseBytes * 21 / 4) + (64 << 10);
}

/** A server record: where a server is and what it offers, signed by its key. */
export interface ServerRecord extends JsonObject {
  type: "server";
  key: string;
  url: string;
  offers: string[];
  rewards: string[];
  seq: number;
  sig: string;
}

export type SignedRecord = ServiceRecord | ServerRecord;

/** The record without its signature: what is signed and, for a service, what its id is computed over. */
export function unsigned(record: JsonObject): JsonObject {
  const { sig: _sig, ...rest } = record;
  return rest;
}

/** The text the author signs: `"tandem-record-v1\n" + JCS(record without sig)`. */
export function signingText(record: JsonObject): string {
  return "tandem-record-v1\n" + canonical(unsigned(record));
}

/** A service's id: the raw CIDv1 of the canonical record without its signature. */
export function serviceId(record: JsonObject): string {
  return rawCid(canonical(unsigned(record)));
}

/**
 * Checks a record's shape (the members a client relies on) and its author's signature, and returns it typed. The
 * record's `type` is signed with the rest, so a signature for one kind never passes as the other. Throws an Error
 * naming the field at fault.
 */
export async function verifyRecord(json: unknown): Promise<SignedRecord> {
  if (!isObject(json)) throw new Error("record: must be a JSON object");
  const author = json.type === "service" ? json.owner : json.type === "server" ? json.key : undefined;
  if (author === undefined) throw new Error(`type: must be "service" or "server", got ${JSON.stringify(json.type)}`);
  if (typeof author !== "string") throw new Error(`${json.type === "service" ? "owner" : "key"}: must be a key`);
  parseKey(author);
  if (json.type === "service") {
    for (const f of ["name", "version", "abi", "verifier"]) {
      if (typeof json[f] !== "string") throw new Error(`${f}: is required`);
    }
    if (!isObject(json.limits)) throw new Error("limits: is required");
  } else {
    if (typeof json.url !== "string") throw new Error("url: is required");
    if (!Array.isArray(json.offers)) throw new Error("offers: is required");
  }
  if (typeof json.sig !== "string") throw new Error("sig: is missing: the record is not signed");
  if (!(await verifySignature(author, signingText(json), json.sig))) {
    throw new Error(`sig: does not verify under ${author}`);
  }
  return json as SignedRecord;
}
