import { CannotRerunError, runMetered, type RunLimits, type RunResult } from "./wasm.js";
import { READY, type RunAnswer, type RunMessage } from "./rerun.js";

/**
 * Where the referee's re-runs execute. A re-run is synchronous WebAssembly: on the page's own thread it would freeze
 * the page for as long as the service's fuel allows, and nothing could stop it early. So by default it runs in a
 * worker (a Web Worker in a browser, a `worker_threads` worker in Node) that is terminated when the run outlives its
 * time, and replaced for the next run. Same engine, same module, same code: the fuel and the response are those of a
 * run on the page.
 */
export interface Sandbox {
  /**
   * {@link runMetered} of `request`, stopped after `timeoutMs` of wall-clock time with a {@link CannotRerunError}
   * (no verdict: a slow machine is not a liar).
   */
  run(module: WebAssembly.Module, request: string, limits: RunLimits, inputs: readonly Uint8Array[],
    timeoutMs: number): Promise<RunResult>;
  /**
   * Starts the worker now if none runs, so a run that comes soon finds it ready (starting one takes about 0.1 s);
   * the referee calls it before fetching what a re-run needs.
   */
  warm(): void;
  /** Stops the worker, if one runs; a later run starts another. */
  close(): void;
}

/** The parts of a worker the sandbox uses, the same for a Web Worker and a `worker_threads` one. */
export interface WorkerPort {
  post(message: RunMessage): void;
  /** From now on calls `listener` with each answer, and `failed` when the worker dies (replacing earlier ones). */
  listen(listener: (answer: RunAnswer) => void, failed: (error: Error) => void): void;
  terminate(): void;
}

/** Re-runs on the calling thread: no time limit is possible. For environments without workers. */
export function inlineSandbox(): Sandbox {
  return {
    run: (module, request, limits, inputs) => runMetered(module, request, limits, inputs),
    warm: () => undefined,
    close: () => undefined,
  };
}

/**
 * Re-runs in a worker that `spawn` starts, one run at a time (runs wait their turn). A run past its time terminates
 * the worker; the next run spawns a new one.
 */
export function workerSandbox(spawn: () => Promise<WorkerPort>): Sandbox {
  let worker: Promise<WorkerPort> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const stop = () => {
    const w = worker;
    worker = undefined;
    w?.then((p) => p.terminate(), () => undefined);
  };
  const started = (): Promise<WorkerPort> => {
    if (!worker) {
      const spawning = spawn();
      worker = spawning;
      spawning.catch(() => {
        if (worker === spawning) worker = undefined;
      });
    }
    return worker;
  };
  const once = async (message: RunMessage, timeoutMs: number): Promise<RunResult> => {
    const port = await started();
    const answer = await new Promise<RunAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new CannotRerunError(`the re-run took longer than ${timeoutMs} ms and was stopped`));
      }, timeoutMs);
      port.listen((a) => {
        clearTimeout(timer);
        resolve(a);
      }, (e) => {
        clearTimeout(timer);
        stop();
        reject(new CannotRerunError(`the re-run's worker failed: ${e.message}`));
      });
      try {
        port.post(message);
      } catch (e) {
        clearTimeout(timer);
        reject(new CannotRerunError(`the re-run could not be sent to the worker: ${(e as Error).message}`));
      }
    });
    if ("result" in answer) return answer.result;
    if ("cannot" in answer) throw new CannotRerunError(answer.cannot);
    throw new Error(answer.failed);
  };
  return {
    run: (module, request, limits, inputs, timeoutMs) => {
      const run = queue.then(() => once({ module, request, limits, inputs: [...inputs] }, timeoutMs));
      queue = run.catch(() => undefined);
      return run;
    },
    warm: () => void started().catch(() => undefined),
    close: stop,
  };
}

/** Injected by the bundle build: the worker's source, so the one-file bundle needs no second file. */
declare const __TANDEM_RERUN_WORKER__: string | undefined;

/**
 * The default: a Web Worker where there are Web Workers (browsers; the bundle carries its source), a `worker_threads`
 * worker in Node, else {@link inlineSandbox}. A worker that cannot start (a page's Content-Security-Policy may forbid
 * it) leaves the re-runs inline.
 */
export function defaultSandbox(): Sandbox {
  if (typeof Worker === "function") return fallingBack(webWorker);
  if (typeof process === "object" && typeof process.versions?.node === "string") return fallingBack(nodeWorker);
  return inlineSandbox();
}

/** A worker sandbox that runs inline from the first time its worker cannot be started. */
function fallingBack(spawn: () => Promise<WorkerPort>): Sandbox {
  const state: { inline?: Sandbox } = {};
  const workers = workerSandbox(async () => {
    try {
      return await spawn();
    } catch (e) {
      state.inline = inlineSandbox();
      throw e;
    }
  });
  return {
    run: async (module, request, limits, inputs, timeoutMs) => {
      if (state.inline) return state.inline.run(module, request, limits, inputs, timeoutMs);
      try {
        return await workers.run(module, request, limits, inputs, timeoutMs);
      } catch (e) {
        const inline = state.inline as Sandbox | undefined; // set meanwhile when the worker could not start
        if (inline) return inline.run(module, request, limits, inputs, timeoutMs);
        throw e;
      }
    },
    warm: () => {
      if (!state.inline) workers.warm();
    },
    close: () => workers.close(),
  };
}

async function webWorker(): Promise<WorkerPort> {
  const worker = typeof __TANDEM_RERUN_WORKER__ === "string"
    ? new Worker(URL.createObjectURL(new Blob([__TANDEM_RERUN_WORKER__], { type: "text/javascript" })))
    : new Worker(new URL("./worker-browser.js", import.meta.url), { type: "module" });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = (e) => (e.data === READY ? resolve() : reject(new Error("the worker spoke first")));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message || "the worker did not start"));
      };
    });
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return {
    post: (message) => worker.postMessage(message),
    listen: (listener, failed) => {
      worker.onmessage = (e: MessageEvent<RunAnswer>) => listener(e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        failed(new Error(e.message || "worker error"));
      };
    },
    terminate: () => worker.terminate(),
  };
}

async function nodeWorker(): Promise<WorkerPort> {
  // Not a static import: the browser bundle must not pull node: modules in. The Node build has node.js beside this.
  const entry = "./node.js";
  const node = await import(/* @vite-ignore */ entry);
  return node.nodeWorkerPort();
}
