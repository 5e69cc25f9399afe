import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

// The build script is plain JavaScript beside the bundle it writes (bundle/build.mjs).
const script = new URL("../../bundle/build.mjs", import.meta.url).href;
const { bundle, OUT } = await import(script) as { bundle(): Promise<Uint8Array>; OUT: string };

/** The browser bundle (the client without wasm modules) stays within 100 KB minified and gzipped. */
test("browser bundle is at most 100 KB minified and gzipped", async () => {
  const gz = gzipSync(await bundle(), { level: 9 }).length;
  assert.ok(gz <= 100 * 1024, `bundle is ${gz} bytes gzipped`);
});

/** The committed bundle the node serves is what the sources build today (a source change without a rebuild fails). */
test("committed bundle is up to date (npm run bundle rebuilds it)", async () => {
  assert.ok(Buffer.from(await bundle()).equals(readFileSync(OUT)),
    `${OUT} is not what the sources build: run npm run bundle and commit it`);
});
