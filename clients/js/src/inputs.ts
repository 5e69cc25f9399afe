import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import { sha256 } from "@noble/hashes/sha2.js";
import { isObject, type Json } from "./json.js";
import { concat, downloadDeadline, readBody } from "./http.js";

/** Most inputs one call may name (the nodes' limit). */
export const MAX_LINKS = 16;
/** What a record without `limits.maxInputBytes` allows all inputs of one call together. */
export const DEFAULT_MAX_INPUT_BYTES = 16 << 20;
/** Deepest file DAG followed (the nodes' limit): Kubo's balanced files of 1 TB are 4 levels deep. */
const MAX_DEPTH = 64;
/** Room for a CAR's header and per-block CIDs on top of the file's bytes. */
const CAR_OVERHEAD = 1 << 20;
const CAR = "application/vnd.ipld.car";
const RAW = 0x55;
const DAG_PB = 0x70;
const SHA2_256 = 0x12;
const UNIXFS_RAW = 0;
const UNIXFS_FILE = 2;

/**
 * The inputs a call names by CID (docs/protocol.md, "Data by CID"): every IPLD link in its params, an object whose
 * only member is `"/"` holding a CID string, in the order of the canonical params (members sorted by UTF-16 code
 * units, as RFC 8785 and JavaScript's sort order them; depth first). Input `i` of the module is link `i`. Throws on
 * a link whose CID does not parse and on more than {@link MAX_LINKS}, which nodes refuse as `-32602`.
 */
export function inputLinks(params: Json): CID[] {
  const out: CID[] = [];
  const collect = (node: Json) => {
    if (Array.isArray(node)) {
      node.forEach(collect);
    } else if (isObject(node)) {
      const keys = Object.keys(node);
      if (keys.length === 1 && keys[0] === "/" && typeof node["/"] === "string") {
        try {
          out.push(CID.parse(node["/"]));
        } catch (e) {
          throw new Error(`link {"/": "${node["/"]}"}: ${(e as Error).message}`);
        }
        if (out.length > MAX_LINKS) throw new Error(`a call may name at most ${MAX_LINKS} inputs by CID`);
        return;
      }
      for (const k of keys.sort()) collect(node[k]);
    }
  };
  collect(params);
  return out;
}

/**
 * One input's bytes, fetched as nodes fetch them: `GET /ipfs/{cid}?format=car` from each source in turn (a node's
 * trustless gateway), every block checked against its CID, the UnixFS file rebuilt from the root by following its
 * links, at most `maxBytes`. A source that answers plain bytes is believed only for a raw CID they hash to. So a
 * source can withhold an input but never change it. Throws saying why each source failed.
 */
export async function fetchInput(fetcher: typeof fetch, sources: string[], cid: CID, maxBytes: number,
    timeoutMs = 30_000): Promise<Uint8Array> {
  const failures: string[] = [];
  for (const base of sources) {
    try {
      const deadline = downloadDeadline(timeoutMs, maxBytes + CAR_OVERHEAD);
      const res = await fetcher(`${base.replace(/\/$/, "")}/ipfs/${cid}?format=car&dag-scope=all`, {
        headers: { Accept: `${CAR}; version=1; order=dfs, ${CAR}; version=1` }, signal: deadline.signal,
      });
      deadline.begun();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const body = await readBody(res, maxBytes + CAR_OVERHEAD);
      const blocks = new Map<string, Uint8Array>();
      if ((res.headers.get("Content-Type") ?? "").startsWith(CAR)) {
        for (const block of carBlocks(body)) {
          checkBlock(block.cid, block.bytes);
          blocks.set(block.cid.toV1().toString(), block.bytes);
        }
      } else if (cid.code === RAW) {
        checkBlock(cid, body);
        blocks.set(cid.toV1().toString(), body);
      } else {
        throw new Error(`answered ${res.headers.get("Content-Type") || "without a Content-Type"}, not a CAR`);
      }
      return readFile(cid, blocks, maxBytes);
    } catch (e) {
      failures.push(`${base}: ${(e as Error).message}`);
    }
  }
  throw new Error(`input ${cid} could not be fetched: ${failures.join("; ") || "no source known"}`);
}

/** Throws unless `bytes` hash (sha2-256, the only hash Tandem uses) to `cid`'s digest. */
function checkBlock(cid: CID, bytes: Uint8Array): void {
  const digest = cid.multihash.code === SHA2_256 ? sha256(bytes) : undefined;
  const want = cid.multihash.digest;
  if (!digest || digest.length !== want.length || !digest.every((b, i) => b === want[i])) {
    throw new Error(`block does not hash to ${cid}`);
  }
}

/**
 * The bytes of the UnixFS file (or raw block) `root`, from checked blocks: its data, then its children's, in order.
 * A DAG may link one block many times, so the blocks visited are bounded by the bytes read, as on the nodes: at most
 * `MAX_DEPTH + 1 + 2 × bytes so far` (a crafted DAG linking one empty block twice at each of 60 levels would
 * otherwise take 2^60 visits).
 */
export function readFile(root: CID, blocks: Map<string, Uint8Array>, maxBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  let visits = 0;
  const emit = (bytes: Uint8Array) => {
    if (size + bytes.length > maxBytes) throw new Error(`file is larger than the limit of ${maxBytes} bytes`);
    if (bytes.length) parts.push(bytes);
    size += bytes.length;
  };
  const walk = (cid: CID, depth: number) => {
    if (depth > MAX_DEPTH) throw new Error(`file DAG is deeper than ${MAX_DEPTH} levels`);
    if (++visits > MAX_DEPTH + 1 + 2 * size) {
      throw new Error(`file DAG visits ${visits} blocks for ${size} bytes: it links blocks that hold nothing over and over`);
    }
    const block = blocks.get(cid.toV1().toString());
    if (!block) throw new Error(`block ${cid} is not available`);
    if (cid.code === RAW) return emit(block);
    if (cid.code !== DAG_PB) throw new Error(`${cid} is neither raw nor dag-pb: not a file`);
    const node = dagPb.decode(block);
    if (!node.Data) throw new Error(`${cid} has no UnixFS data`);
    const unixFs = unixFsData(node.Data);
    if (unixFs.type !== UNIXFS_FILE && unixFs.type !== UNIXFS_RAW) {
      throw new Error(`${cid} is a UnixFS node of type ${unixFs.type}: only files are read`);
    }
    emit(unixFs.data);
    for (const link of node.Links) walk(link.Hash, depth + 1);
  };
  walk(root, 0);
  return concat(parts, size);
}

/**
 * The blocks of a CARv1 (a varint-length header, then varint-length sections of a binary CID and its block), unchecked.
 * The header is skipped: its roots are not needed, as the file is walked from the CID asked for. Written here rather
 * than taken from @ipld/car, whose dag-cbor decoder for that header alone would double the browser bundle.
 */
export function carBlocks(car: Uint8Array): { cid: CID; bytes: Uint8Array }[] {
  const out: { cid: CID; bytes: Uint8Array }[] = [];
  let [length, at] = uvarint(car, 0, "CAR header length");
  if (length <= 0 || at + length > car.length) throw new Error("CAR cut short in its header");
  at += length;
  while (at < car.length) {
    [length, at] = uvarint(car, at, "CAR section length");
    if (length <= 0 || at + length > car.length) throw new Error("CAR cut short in a block section");
    const section = car.subarray(at, at + length);
    const [cid, bytes] = CID.decodeFirst(section);
    out.push({ cid, bytes });
    at += length;
  }
  return out;
}

/**
 * The type and data of a UnixFS `Data` message (protobuf: field 1 the type, varint; field 2 the bytes; the other
 * fields, sizes and metadata, are skipped). Hand-written for two fields rather than a protobuf runtime of 20 KB.
 */
export function unixFsData(bytes: Uint8Array): { type: number; data: Uint8Array } {
  let type: number | undefined;
  let data: Uint8Array = new Uint8Array(0);
  let at = 0;
  while (at < bytes.length) {
    let key: number;
    [key, at] = uvarint(bytes, at, "UnixFS field");
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let value: number;
      [value, at] = uvarint(bytes, at, "UnixFS varint");
      if (field === 1) type = value;
    } else if (wire === 2) {
      let length: number;
      [length, at] = uvarint(bytes, at, "UnixFS length");
      if (at + length > bytes.length) throw new Error("UnixFS data cut short");
      if (field === 2) data = bytes.subarray(at, at + length);
      at += length;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > bytes.length) throw new Error("UnixFS data cut short");
    } else {
      throw new Error(`UnixFS data: wire type ${wire} is not protobuf's`);
    }
  }
  if (type === undefined) throw new Error("UnixFS data without a type");
  return { type, data };
}

/** An unsigned LEB128 varint of at most 9 bytes at `at`: its value and where the next byte is. */
function uvarint(bytes: Uint8Array, at: number, what: string): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= bytes.length) throw new Error(`${what} cut short`);
    const b = bytes[at + i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  throw new Error(`${what} is not a varint`);
}
