import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
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
