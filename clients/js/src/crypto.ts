import { verifyAsync } from "@noble/ed25519";
import { base58btc } from "multiformats/bases/base58";
import { utf8 } from "./json.js";

const KEY_PREFIX = "ed25519:";

/**
 * The 32 bytes of a key written `ed25519:` + base58btc (bitcoin alphabet), the form records and attestations use.
 * Throws on anything else.
 */
export function parseKey(text: string): Uint8Array {
  if (typeof text !== "string" || !text.startsWith(KEY_PREFIX)) {
    throw new Error(`not a key: must start with ${KEY_PREFIX}`);
  }
  // multiformats' base58btc decoder wants its multibase prefix 'z'.
  const bytes = base58btc.decode("z" + text.slice(KEY_PREFIX.length));
  if (bytes.length !== 32) throw new Error(`not a key: an Ed25519 public key has 32 bytes, got ${bytes.length}`);
  return bytes;
}

/** The `ed25519:…` form of 32 public key bytes. */
export function formatKey(bytes: Uint8Array): string {
  return KEY_PREFIX + base58btc.encode(bytes).slice(1);
}

/** Bytes of base64url without padding (signatures on the wire). */
export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Whether `sig` (base64url) is `key`'s Ed25519 signature of `message`. @noble/ed25519 is audited, tiny and runs the
 * same in browsers and Node (its SHA-512 is WebCrypto's); WebCrypto's own Ed25519 is still missing in some browsers.
 * Malformed keys or signatures are simply not valid.
 */
export async function verifySignature(key: string, message: string | Uint8Array, sig: string): Promise<boolean> {
  try {
    const s = fromBase64Url(sig);
    if (s.length !== 64) return false;
    return await verifyAsync(s, typeof message === "string" ? utf8(message) : message, parseKey(key));
  } catch {
    return false;
  }
}
