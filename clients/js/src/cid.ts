import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "./json.js";

const RAW = 0x55;
const SHA2_256 = 0x12;

/**
 * The raw CIDv1 (sha2-256, base32 `bafkrei…`) of bytes: how Tandem names modules and service records.
 * multiformats is the reference implementation of CIDs; the hash is @noble/hashes' synchronous SHA-256.
 */
export function rawCid(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? utf8(data) : data;
  return CID.createV1(RAW, createDigest(SHA2_256, sha256(bytes))).toString();
}

/**
 * Whether `data` is the content `cid` names, for a CID a single block can be checked against: a raw CID (v1) with a
 * sha2-256 multihash. Anything else (a dag-pb DAG, another hash) is not checkable here and returns false.
 */
export function matchesCid(cid: string, data: Uint8Array): boolean {
  let parsed: CID;
  try {
    parsed = CID.parse(cid);
  } catch {
    return false;
  }
  if (parsed.code !== RAW || parsed.multihash.code !== SHA2_256) return false;
  const digest = sha256(data);
  const want = parsed.multihash.digest;
  return want.length === digest.length && want.every((b, i) => b === digest[i]);
}
