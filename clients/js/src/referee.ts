import type { ModuleStore } from "./modules.js";
import { DEFAULT_MAX_INPUT_BYTES, fetchInput, inputLinks } from "./inputs.js";
import type { RunResult } from "./wasm.js";
import type { Sandbox } from "./sandbox.js";
import type { ServiceRecord } from "./records.js";
import type { ServiceCall } from "./wire.js";

/** Time a re-run gets beyond the service's own `limits.timeoutMs`: a worker's start and the module's transfer. */
export const RERUN_GRACE_MS = 1000;

/**
 * The client as referee (docs/protocol.md, "Trust model"): it fetches the service's metered module by the CID the
 * owner signed into the record (`metered`, checked by every honest node against its own metering), checks the bytes
 * against it, and re-runs the request itself, with the inputs the request names by CID fetched and checked as nodes
 * fetch them. Modules come from the client's {@link ModuleStore}: fetched once, then kept (a directory in Node,
 * Cache Storage in a browser) and compiled once per client. Inputs are one call's data and are not kept.
 */
export class Referee {
  constructor(private readonly modules: ModuleStore, private readonly fetcher: typeof fetch,
    private readonly sandbox: Sandbox) {}

  /** Why this call cannot be re-run here, or undefined when it can. */
  static unavailable(record: ServiceRecord, _call: ServiceCall): string | undefined {
    if (record.runtime === "oci") return "an OCI service is never re-run in the client";
    if (record.abi !== "tandem-v1") return `abi ${record.abi} is not re-run in this client`;
    if (typeof record.metered !== "string") return "the record names no metered module";
    return undefined;
  }

  /**
   * Re-runs `call` with the record's limits; `sources` are node URLs to fetch the module and the inputs from. The
   * inputs together may be at most the record's `limits.maxInputBytes`, as on the nodes; an input that cannot be had
   * or is over that limit throws (no verdict here, as a node answers such a call with an error it does not sign).
   * The run itself goes to the {@link Sandbox}, which stops it after the record's `limits.timeoutMs` plus
   * {@link RERUN_GRACE_MS} (a node stops at the same limit and signs nothing then).
   */
  async rerun(record: ServiceRecord, call: ServiceCall, sources: string[]): Promise<RunResult> {
    this.sandbox.warm(); // started while the module and inputs are fetched
    const module = await this.modules.module(record.metered as string, sources);
    const links = inputLinks(call.params);
    const inputs: Uint8Array[] = [];
    let budget = typeof record.limits.maxInputBytes === "number" ? record.limits.maxInputBytes : DEFAULT_MAX_INPUT_BYTES;
    for (const cid of links) {
      const input = await fetchInput(this.fetcher, sources, cid, budget);
      budget -= input.length;
      inputs.push(input);
    }
    return this.sandbox.run(module, call.canonical, record.limits, inputs, record.limits.timeoutMs + RERUN_GRACE_MS);
  }
}
