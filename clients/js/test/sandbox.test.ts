import { test } from "node:test";
import assert from "node:assert/strict";
import { CannotRerunError, defaultSandbox, inlineSandbox, workerSandbox, type RunLimits } from "../src/index.js";
import { nodeWorkerPort } from "../src/node.js";
import { chromium, missing, pageServer } from "./support/browser.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { READY } from "../src/rerun.js";

/**
 * The smallest module with a metered module's exports (memory, `tandem_alloc`, `tandem_call`, and the meter's globals
 * `tandem_fuel`, `tandem_trap`, `tandem_max_depth`), assembled here byte by byte. `spin`: `tandem_call` loops forever
 * and never counts fuel, so only the wall clock stops it. Otherwise it answers `{"result":1}` from a data segment.
 */
function moduleBytes(spin: boolean): number[] {
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const sleb = (n: number): number[] => {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n = Math.floor(n / 128);
      if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
      out.push(b | 0x80);
    }
  };
  const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const body = (code: number[]) => [...uleb(code.length + 1), 0, ...code]; // no locals
  const output = [...new TextEncoder().encode('{"result":1}')];
  const I32 = 0x7f, I64 = 0x7e, END = 0x0b;
  const call = spin ? [0x03, 0x40, 0x0c, 0x00, END, 0x42, 0x00, END] // loop br 0 end; i64.const 0
    : [0x42, ...sleb(output.length), END]; // pointer 0, length of the output
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 1, I32, 1, I32], [0x60, 2, I32, I32, 1, I64]])),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(6, vec([[I64, 1, 0x42, ...sleb(10_000_000), END], [I32, 1, 0x41, 0, END], [I32, 1, 0x41, 0, END]])),
    ...section(7, vec([[...name("memory"), 2, 0], [...name("tandem_alloc"), 0, 0], [...name("tandem_call"), 0, 1],
      [...name("tandem_fuel"), 3, 0], [...name("tandem_trap"), 3, 1], [...name("tandem_max_depth"), 3, 2]])),
    ...section(10, vec([body([0x41, ...sleb(1024), END]), body(call)])),
    ...section(11, vec([[0, 0x41, 0, END, ...uleb(output.length), ...output]])),
  ];
  return bytes;
}

const module = (spin: boolean) => new WebAssembly.Module(new Uint8Array(moduleBytes(spin)));

const LIMITS: RunLimits = { fuel: 1_000_000, memoryPages: 16, maxRequestBytes: 1024, maxResponseBytes: 1024 };
const REQUEST = '{"method":"m","params":{}}';

test("a re-run answers the same in the worker as on the calling thread", async () => {
  const sandbox = defaultSandbox();
  try {
    const inWorker = await sandbox.run(module(false), REQUEST, LIMITS, [], 10_000);
    assert.deepEqual(inWorker, await inlineSandbox().run(module(false), REQUEST, LIMITS, [], 10_000));
    assert.deepEqual(inWorker.response, { result: 1 });
  } finally {
    sandbox.close();
  }
});

test("a re-run past its time is stopped without a verdict, the page keeps running, and the next run works",
  { timeout: 30_000 }, async () => {
    const sandbox = defaultSandbox();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const started = Date.now();
      await assert.rejects(sandbox.run(module(true), REQUEST, LIMITS, [], 300),
        (e) => e instanceof CannotRerunError && /longer than 300 ms/.test(e.message));
      const took = Date.now() - started;
      assert.ok(took < 5_000, `stopped after ${took} ms`);
      // On the calling thread, an endless loop would have let no timer fire at all.
      assert.ok(ticks >= 5, `the timer fired ${ticks} times during the re-run`);
      assert.deepEqual((await sandbox.run(module(false), REQUEST, LIMITS, [], 10_000)).response, { result: 1 });
    } finally {
      clearInterval(ticker);
      sandbox.close();
    }
  });

test("runs wait their turn: a stopped run does not take the next one with it", { timeout: 30_000 }, async () => {
  const sandbox = defaultSandbox();
  try {
    const spinning = sandbox.run(module(true), REQUEST, LIMITS, [], 200);
    const next = sandbox.run(module(false), REQUEST, LIMITS, [], 10_000);
    await assert.rejects(spinning, CannotRerunError);
    assert.deepEqual((await next).response, { result: 1 });
  } finally {
    sandbox.close();
  }
});

test("warming starts the one worker the runs then use", async () => {
  let spawned = 0;
  const sandbox = workerSandbox(() => {
    spawned++;
    return nodeWorkerPort();
  });
  try {
    sandbox.warm();
    sandbox.warm();
    assert.equal(spawned, 1, "one worker, however often warmed");
    assert.deepEqual((await sandbox.run(module(false), REQUEST, LIMITS, [], 10_000)).response, { result: 1 });
    assert.deepEqual((await sandbox.run(module(false), REQUEST, LIMITS, [], 10_000)).response, { result: 1 });
    assert.equal(spawned, 1, "the runs used the warmed worker");
  } finally {
    sandbox.close();
  }
});

test("a worker that dies during a run gives no verdict, and the next run gets a new worker", { timeout: 30_000 },
  async () => {
    // A real worker that says it is ready, then exits on its first message, as one killed by running out of memory.
    const dying = join(mkdtempSync(join(tmpdir(), "tandem-sandbox-")), "dying.mjs");
    writeFileSync(dying, `import { parentPort } from "node:worker_threads";
      parentPort.on("message", () => process.exit(3));
      parentPort.postMessage(${JSON.stringify(READY)});`);
    const scripts = [pathToFileURL(dying), undefined];
    const sandbox = workerSandbox(() => nodeWorkerPort(scripts.shift()));
    try {
      await assert.rejects(sandbox.run(module(false), REQUEST, LIMITS, [], 10_000),
        (e) => e instanceof CannotRerunError && /worker failed: the worker exited with 3/.test(e.message));
      assert.deepEqual((await sandbox.run(module(false), REQUEST, LIMITS, [], 10_000)).response, { result: 1 });
      assert.equal(scripts.length, 0, "a second worker took the second run");
    } finally {
      sandbox.close();
    }
  });

test("in Node, an idle re-run worker never keeps the process alive, even when the client is never closed",
  { timeout: 30_000 }, () => {
    const index = new URL("../src/index.js", import.meta.url).href;
    const script = `import { defaultSandbox } from ${JSON.stringify(index)};
      const r = await defaultSandbox().run(new WebAssembly.Module(new Uint8Array(${JSON.stringify(moduleBytes(false))})),
        ${JSON.stringify(REQUEST)}, ${JSON.stringify(LIMITS)}, [], 10000);
      console.log(JSON.stringify(r.response));`;
    const file = join(mkdtempSync(join(tmpdir(), "tandem-sandbox-")), "run.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { timeout: 15_000, encoding: "utf8" });
    assert.equal(child.signal, null, "the process had to be killed: the worker kept it alive");
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), '{"result":1}');
  });

test("in headless Chromium: the bundle's re-runs go to a Web Worker, stopped past their time while the page runs on",
  { timeout: 120_000, skip: missing }, async () => {
    const page = await pageServer();
    const browser = await chromium();
    try {
      await browser.get(page.url);
      const seen = await browser.executeAsyncScript<any>(function (spin: number[], answer: number[], limits: unknown,
          request: string, done: (x: unknown) => void) {
        (async () => {
          const m = await import("/tandem-client.js" as string);
          const sandbox = m.defaultSandbox();
          let ticks = 0;
          const ticker = setInterval(() => ticks++, 10);
          const started = performance.now();
          let stopped = "";
          try {
            await sandbox.run(new WebAssembly.Module(new Uint8Array(spin)), request, limits, [], 300);
          } catch (e) {
            stopped = `${(e as Error).name}: ${(e as Error).message} ${e instanceof m.CannotRerunError}`;
          }
          const took = performance.now() - started;
          clearInterval(ticker);
          const next = await sandbox.run(new WebAssembly.Module(new Uint8Array(answer)), request, limits, [], 10_000);
          sandbox.close();
          return { stopped, took, ticks, next: next.response };
        })().then(done, (e) => done({ error: String(e?.stack ?? e) }));
      }, moduleBytes(true), moduleBytes(false), LIMITS, REQUEST);
      assert.equal(seen.error, undefined, seen.error);
      assert.match(seen.stopped, /longer than 300 ms.* true$/);
      assert.ok(seen.took < 5_000, `stopped after ${seen.took} ms`);
      assert.ok(seen.ticks >= 5, `the page's timer fired ${seen.ticks} times during the re-run`);
      assert.deepEqual(seen.next, { result: 1 });
    } finally {
      await browser.quit();
      page.close();
    }
  });
