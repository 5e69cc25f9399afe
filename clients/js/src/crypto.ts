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
 * Whether `sig` (base64url) is `key`'s Ed25519 signature of `message`, checked as RFC 8032 says (as the nodes'
 * BouncyCastle does: no ZIP-215 leniency). In Node, node:crypto's synchronous verify (OpenSSL, see nodeKey);
 * elsewhere the engine's own WebCrypto Ed25519 where it has one (current Chromium, Firefox and Safari): native code, about ten times faster than
 * JavaScript, which matters as every answer of every call is checked. Elsewhere @noble/ed25519 (audited, tiny, the
 * same in browsers and Node; its SHA-512 is WebCrypto's). Malformed keys or signatures are simply not valid.
 */
export async function verifySignature(key: string, message: string | Uint8Array, sig: string): Promise<boolean> {
  try {
    const s = fromBase64Url(sig);
    if (s.length !== 64) return false;
    const m = typeof message === "string" ? utf8(message) : message;
    const node = nodeKey(key);
    if (node) return node.crypto.verify(null, m, node.key, s);
    const native = await webCryptoKey(key);
    if (native) return await globalThis.crypto.subtle.verify("Ed25519", native, s as BufferSource, m as BufferSource);
    return await verifyAsync(s, m, parseKey(key), { zip215: false });
  } catch {
    return false;
  }
}

/** What Node's own crypto module offers here: its synchronous verify and imported keys, by their text. */
interface NodeCrypto {
  verify(algorithm: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
  createPublicKey(options: { key: { kty: string; crv: string; x: string }; format: "jwk" }): unknown;
}
const nodeKeys = new Map<string, unknown>();
let nodeCrypto: NodeCrypto | null | undefined;

/**
 * In Node, the key as a KeyObject of node:crypto, whose verify is the same OpenSSL Ed25519 as Node's WebCrypto but
 * synchronous: no webidl conversions, no job handed to the thread pool and back, which under load was 0.3–0.5 ms of
 * each answer's checks. Reached through process.getBuiltinModule (Node ≥ 20.16), so the browser bundle imports no
 * Node module; null elsewhere.
 */
function nodeKey(key: string): { crypto: NodeCrypto; key: unknown } | null {
  if (nodeCrypto === undefined) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    nodeCrypto = (typeof proc?.getBuiltinModule === "function" ? proc.getBuiltinModule("node:crypto") : null) as
      NodeCrypto | null;
  }
  if (!nodeCrypto) return null;
  let k = nodeKeys.get(key);
  if (!k) {
    if (nodeKeys.size >= 1024) nodeKeys.clear();
    k = nodeCrypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: toBase64Url(parseKey(key)) }, format: "jwk" });
    nodeKeys.set(key, k);
  }
  return { crypto: nodeCrypto, key: k };
}

/** Keys imported into WebCrypto, by their text (a client meets a few dozen servers); null where it has no Ed25519. */
const imported = new Map<string, Promise<CryptoKey | null>>();
let webCryptoEd25519: Promise<boolean> | undefined;

async function webCryptoKey(key: string): Promise<CryptoKey | null> {
  webCryptoEd25519 ??= hasWebCryptoEd25519();
  if (!(await webCryptoEd25519)) return null;
  let k = imported.get(key);
  if (!k) {
    if (imported.size >= 1024) imported.clear();
    k = globalThis.crypto.subtle.importKey("raw", parseKey(key) as BufferSource, { name: "Ed25519" }, false, ["verify"]);
    imported.set(key, k);
    k.catch(() => imported.delete(key));
  }
  return k;
}

/** Whether this engine's WebCrypto verifies Ed25519 (it checks RFC 8032's first test vector). */
async function hasWebCryptoEd25519(): Promise<boolean> {
  try {
    const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
    const k = await globalThis.crypto.subtle.importKey("raw",
      hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), { name: "Ed25519" }, false, ["verify"]);
    return await globalThis.crypto.subtle.verify("Ed25519", k, hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e0"
      + "65224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"), new Uint8Array(0));
  } catch {
    return false;
  }
}
