import { CannotRerunError, runMetered, type RunLimits, type RunResult } from "./wasm.js";

// What the re-run worker speaks: kept apart from sandbox.ts so the worker's build holds nothing but this and the run.

/** A message to the re-run worker, and its answer: the result, or why there is none. */
export interface RunMessage { module: WebAssembly.Module; request: string; limits: RunLimits; inputs: Uint8Array[] }
export type RunAnswer = { result: RunResult } | { cannot: string } | { failed: string };

/** What a worker does with one message; the worker entries (`worker-browser`, `worker-node`) call this. */
export async function answer(message: RunMessage): Promise<RunAnswer> {
  try {
    return { result: await runMetered(message.module, message.request, message.limits, message.inputs) };
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    return e instanceof CannotRerunError ? { cannot: text } : { failed: text };
  }
}

/** What a worker posts once it is ready for messages; spawning waits for it, so a worker that cannot run is known. */
export const READY = "tandem-rerun-worker-ready";
