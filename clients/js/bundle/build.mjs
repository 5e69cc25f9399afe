// Builds the browser bundle the node serves beside its dashboard (/try/tandem-client.js): the client's sources in
// one minified ES module, no wasm modules. The output depends only on these sources and the versions pinned by
// package-lock.json, so anyone can rebuild it byte for byte and compare it with the committed file:
//   node bundle/build.mjs            writes bundle/tandem-client.js
//   node bundle/build.mjs --check    exits 1 when the committed file is not what the sources build
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const OUT = fileURLToPath(new URL("./tandem-client.js", import.meta.url));
const ENTRY = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const WORKER = fileURLToPath(new URL("../src/worker-browser.ts", import.meta.url));
const COMMON = { bundle: true, minify: true, platform: "browser", target: "es2022", legalComments: "none",
  charset: "utf8", write: false, logLevel: "silent" };

/**
 * The bundle's bytes, built in memory. The re-run worker is built first and carried inside as a string (started
 * from a Blob URL), so the bundle stays one file. Node's own modules, reached only by Node, stay out.
 */
export async function bundle() {
  const worker = await build({ ...COMMON, entryPoints: [WORKER], format: "iife" });
  const out = await build({
    ...COMMON, entryPoints: [ENTRY], format: "esm", external: ["node:*"],
    define: { __TANDEM_RERUN_WORKER__: JSON.stringify(new TextDecoder().decode(worker.outputFiles[0].contents)) },
  });
  return out.outputFiles[0].contents;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await bundle();
  if (process.argv.includes("--check")) {
    let committed;
    try {
      committed = readFileSync(OUT);
    } catch {
      committed = Buffer.alloc(0);
    }
    if (!Buffer.from(bytes).equals(committed)) {
      console.error(`${OUT} is not what the sources build: run npm run bundle and commit it`);
      process.exit(1);
    }
    console.log(`${OUT} is up to date (${bytes.length} bytes)`);
  } else {
    writeFileSync(OUT, bytes);
    console.log(`wrote ${OUT} (${bytes.length} bytes)`);
  }
}
