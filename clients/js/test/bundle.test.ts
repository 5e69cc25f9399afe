import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The browser bundle (the client without wasm modules) stays within 100 KB minified and gzipped. */
test("browser bundle is at most 100 KB minified and gzipped", async () => {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("../src/index.js", import.meta.url))], bundle: true, minify: true,
    format: "esm", platform: "browser", write: false, logLevel: "silent",
  });
  const gz = gzipSync(out.outputFiles[0].contents, { level: 9 }).length;
  assert.ok(gz <= 100 * 1024, `bundle is ${gz} bytes gzipped`);
});
