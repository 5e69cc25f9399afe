import type { ModuleStore } from "./modules.js";
import { runMetered, type RunResult } from "./wasm.js";
import type { ServiceRecord } from "./records.js";
import type { ServiceCall } from "./wire.js";
import { isObject, type Json } from "./json.js";

/**
 * The client as referee (docs/protocol.md, "Trust model"): it fetches the service's metered module by the CID the
 * owner signed into the record (`metered`, checked by every honest node against its own metering), checks the bytes
 * against it, and re-runs the request itself. Modules come from the client's {@link ModuleStore}: fetched once, then
 * kept (a directory in Node, Cache Storage in a browser) and compiled once per client.
 */
export class Referee {
  constructor(private readonly modules: ModuleStore) {}

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
    const module = await this.modules.module(record.metered as string, sources);
    return runMetered(module, call.canonical, record.limits);
  }
}

function hasLinks(value: Json): boolean {
  if (Array.isArray(value)) return value.some(hasLinks);
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "/" && typeof value["/"] === "string") return true;
  return keys.some((k) => hasLinks(value[k]));
}
