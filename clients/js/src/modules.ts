import { matchesCid } from "./cid.js";
import { downloadDeadline, readBody } from "./http.js";

/**
 * Where modules fetched by CID (the referee's metered modules, wasm verifiers) are kept between calls and between
 * sessions, so a second conflict does not fetch the same module again. Nothing read back is trusted: the client
 * checks every module against its CID before it compiles it, from a cache or from a node.
 */
export interface ModuleCache {
  /** The bytes kept for `cid`, unchecked; undefined when there are none. */
  get(cid: string): Promise<Uint8Array | undefined>;
  /** Keeps bytes already checked against `cid`. A cache that cannot keep them loses nothing but time. */
  put(cid: string, bytes: Uint8Array): Promise<void>;
}

/** Modules kept in memory for as long as the cache object lives. */
export function memoryModuleCache(): ModuleCache {
  const kept = new Map<string, Uint8Array>();
  return {
    get: async (cid) => kept.get(cid),
    put: async (cid, bytes) => {
      kept.set(cid, bytes);
    },
  };
}

/** Where in Cache Storage a module is kept: a made-up URL per CID (the key), never fetched. */
const cacheUrl = (cid: string) => `https://modules.tandem.invalid/${cid}.wasm`;

/**
 * Modules in the browser's Cache Storage (`caches`, cache `name`), which outlives the page; in memory where the
 * engine has none (an insecure context, an older Node) or refuses it (storage blocked, quota).
 */
export function cacheStorageModuleCache(name = "tandem-modules"): ModuleCache {
  const memory = memoryModuleCache();
  let opened: Promise<Cache | undefined> | undefined;
  const open = () => opened ??= (async () => {
    try {
      return globalThis.caches ? await globalThis.caches.open(name) : undefined;
    } catch {
      return undefined;
    }
  })();
  return {
    get: async (cid) => {
      const cache = await open();
      if (cache) {
        try {
          const res = await cache.match(cacheUrl(cid));
          if (res) return new Uint8Array(await res.arrayBuffer());
        } catch {
          // fall through to memory
        }
      }
      return memory.get(cid);
    },
    put: async (cid, bytes) => {
      await memory.put(cid, bytes);
      const cache = await open();
      try {
        await cache?.put(cacheUrl(cid), new Response(bytes as BufferSource,
          { headers: { "Content-Type": "application/wasm" } }));
      } catch {
        // kept in memory only
      }
    },
  };
}

/**
 * The cache a client uses when none is given: in Node the directory `~/.tandem/modules` (the Java client's, the same
 * file per CID, so both share what either fetched), elsewhere Cache Storage with memory as fallback.
 */
export async function defaultModuleCache(): Promise<ModuleCache> {
  if (typeof process === "object" && typeof process.versions?.node === "string") {
    try {
      // Not a static import: the browser bundle must not pull node:fs in. The Node build has node.js beside this file.
      const entry = "./node.js";
      const node = await import(/* @vite-ignore */ entry);
      return node.fileModuleCache();
    } catch {
      // a bundle run in Node: no file beside it
    }
  }
  return cacheStorageModuleCache();
}

/** Largest module fetched: the Java client's limit. */
export const MAX_MODULE_BYTES = 16 << 20;
/** Compiled modules kept in memory (the Java referee's limit); the bytes stay in the module cache. */
const COMPILED_MODULES = 32;

/**
 * Modules by CID, hash-checked: from the cache (bytes that do not match their CID are fetched again and replaced),
 * else from the first of `sources` (node URLs, `GET /ipfs/{cid}?format=raw`) that gives matching bytes, which are
 * then kept. Compiled modules stay in memory for the client's lifetime.
 */
export class ModuleStore {
  /** Compiled modules, the least recently used dropped past `COMPILED_MODULES` (any key can register one). */
  private readonly compiled = new Map<string, Promise<WebAssembly.Module>>();

  constructor(private readonly fetcher: typeof fetch, private readonly cache: Promise<ModuleCache>) {}

  /** The compiled module `cid` names, from memory, the cache, or a node. */
  module(cid: string, sources: string[]): Promise<WebAssembly.Module> {
    let m = this.compiled.get(cid);
    if (m) {
      this.compiled.delete(cid); // a Map keeps insertion order: set again, it is the most recently used
    } else {
      m = this.bytes(cid, sources).then((b) => WebAssembly.compile(b as BufferSource));
      m.catch(() => this.compiled.delete(cid));
    }
    this.compiled.set(cid, m);
    while (this.compiled.size > COMPILED_MODULES) this.compiled.delete(this.compiled.keys().next().value as string);
    return m;
  }

  private async bytes(cid: string, sources: string[]): Promise<Uint8Array> {
    const cache = await this.cache;
    const kept = await cache.get(cid).catch(() => undefined);
    if (kept && matchesCid(cid, kept)) return kept;
    const failures: string[] = [];
    for (const base of sources) {
      try {
        const deadline = downloadDeadline(30_000, MAX_MODULE_BYTES);
        const res = await this.fetcher(`${base.replace(/\/$/, "")}/ipfs/${cid}?format=raw`, { signal: deadline.signal });
        deadline.begun();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const bytes = await readBody(res, MAX_MODULE_BYTES);
        if (!matchesCid(cid, bytes)) throw new Error("bytes do not match the CID");
        await cache.put(cid, bytes).catch(() => undefined);
        return bytes;
      } catch (e) {
        failures.push(`${base}: ${(e as Error).message}`);
      }
    }
    throw new Error(`module ${cid} not fetched: ${failures.join("; ") || "no source"}`);
  }
}
