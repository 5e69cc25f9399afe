import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { ModuleCache } from "./modules.js";
import type { ScoreStore } from "./scores.js";

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
