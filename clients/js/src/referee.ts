import { matchesCid } from "./cid.js";
import { runMetered, type RunResult } from "./wasm.js";
import type { ServiceRecord } from "./records.js";
import type { ServiceCall } from "./wire.js";
import { isObject, type Json } from "./json.js";

/**
 * The client as referee (docs/protocol.md, "Trust model"): it fetches the service's metered module by the CID the
 * owner signed into the record (`metered`, checked by every honest node against its own metering), checks the bytes
 * against it, and re-runs the request itself. Compiled modules are kept for the client's lifetime.
 */
export class Referee {
  private readonly modules = new Map<string, Promise<WebAssembly.Module>>();

  constructor(private readonly fetcher: typeof fetch) {}

  /** Why this call cannot be re-run here, or undefined when it can. */
  static unavailable(record: ServiceRecord, call: ServiceCall): string | undefined {
    if (record.runtime === "oci") return "an OCI service is never re-run in the client";
    if (record.abi !== "tandem-v1") return `abi ${record.abi} is not re-run in this client`;
    if (typeof record.metered !== "string") return "the record names no metered module";
    if (hasLinks(call.params)) return "the request names inputs by CID";
    return undefined;
  }

  /** Re-runs `call` with the record's limits; `sources` are node URLs to fetch the module from. */
  async rerun(record: ServiceRecord, call: ServiceCall, sources: string[]): Promise<RunResult> {
    const module = await this.module(record.metered as string, sources);
    return runMetered(module, call.canonical, record.limits);
  }

  private module(cid: string, sources: string[]): Promise<WebAssembly.Module> {
    let m = this.modules.get(cid);
    if (!m) {
      m = this.fetchModule(cid, sources);
      m.catch(() => this.modules.delete(cid));
      this.modules.set(cid, m);
    }
    return m;
  }

  private async fetchModule(cid: string, sources: string[]): Promise<WebAssembly.Module> {
    const failures: string[] = [];
    for (const base of sources) {
      try {
        const res = await this.fetcher(`${base.replace(/\/$/, "")}/ipfs/${cid}?format=raw`,
          { signal: AbortSignal.timeout(30_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (!matchesCid(cid, bytes)) throw new Error("bytes do not match the CID");
        return await WebAssembly.compile(bytes);
      } catch (e) {
        failures.push(`${base}: ${(e as Error).message}`);
      }
    }
    throw new Error(`module ${cid} not fetched: ${failures.join("; ") || "no source"}`);
  }
}

function hasLinks(value: Json): boolean {
  if (Array.isArray(value)) return value.some(hasLinks);
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "/" && typeof value["/"] === "string") return true;
  return keys.some((k) => hasLinks(value[k]));
}
