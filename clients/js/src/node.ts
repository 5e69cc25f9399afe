import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { ModuleCache } from "./modules.js";
import type { ScoreStore } from "./scores.js";
import { READY, type RunAnswer } from "./rerun.js";
import type { WorkerPort } from "./sandbox.js";
import { Worker } from "node:worker_threads";

/** Scores in a JSON file (Node), written atomically so a crash never leaves half a file. */
export function fileScoreStore(path: string): ScoreStore {
  return {
    load: () => {
      try {
        return JSON.parse(readFileSync(path, "utf8"));
      } catch {
        return undefined;
      }
    },
    save: (scores) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path + ".tmp", JSON.stringify(scores));
      renameSync(path + ".tmp", path);
    },
  };
}

/** The Java client's module directory, `~/.tandem/modules`. */
export function defaultModuleDir(): string {
  return join(homedir(), ".tandem", "modules");
}

/**
 * Modules in a directory (Node), one file `CID.wasm` each, as the Java client keeps them, so either client finds what
 * the other fetched. Written to a temporary file and renamed, so a reader never sees half a module; the client checks
 * every file against its CID before using it, so a damaged one is fetched again.
 */
export function fileModuleCache(dir: string = defaultModuleDir()): ModuleCache {
  const file = (cid: string) => join(dir, `${cid.replace(/[^A-Za-z0-9]/g, "")}.wasm`);
  return {
    get: async (cid) => {
      try {
        return new Uint8Array(await readFile(file(cid)));
      } catch {
        return undefined;
      }
    },
    put: async (cid, bytes) => {
      const tmp = join(dir, `.module-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(tmp, bytes);
        await rename(tmp, file(cid));
      } catch {
        // The cache only saves time: a module that cannot be kept is fetched again next time.
        await rm(tmp, { force: true }).catch(() => undefined);
      }
    },
  };
}

/**
 * A `worker_threads` worker for the referee's re-runs (the default sandbox in Node), ready for its first message. It
 * does not keep the process alive on its own. `script` is the worker's code (by default this package's).
 */
export async function nodeWorkerPort(script: URL = new URL("./worker-node.js", import.meta.url)): Promise<WorkerPort> {
  const worker = new Worker(script);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once("message", (m) => (m === READY ? resolve() : reject(new Error("the worker spoke first"))));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the worker exited with ${code}`)));
    });
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  let onAnswer: (answer: RunAnswer) => void = () => undefined;
  let onFailure: (error: Error) => void = () => undefined;
  worker.on("message", (m: RunAnswer) => onAnswer(m));
  worker.on("error", (e) => onFailure(e));
  worker.on("exit", (code) => onFailure(new Error(`the worker exited with ${code}`)));
  // Last: adding a message listener refs the worker again.
  worker.unref();
  return {
    post: (message) => worker.postMessage(message),
    listen: (listener, failed) => {
      onAnswer = listener;
      onFailure = failed;
    },
    terminate: () => {
      onFailure = () => undefined;
      void worker.terminate();
    },
  };
}
