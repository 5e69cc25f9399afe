// Runs one tandem-v1 request against a Wasm module on V8 (Node's WebAssembly), the way Tandem runs it on the
// JVM: compile once, then for each run a fresh instance, write the request, call tandem_call, read the response.
//
//   node run-v8.mjs <module.wasm> <request-json> <warmup> <runs> [fuel-budget]
//
// Prints one line of JSON: {"ms":[per-run wall milliseconds], "cpuMs":[per-run CPU milliseconds of the process],
// "output":"<response of the last run>", "fuel":n|null}.
// With a fuel budget, the module is expected to be instrumented (exports tandem_fuel) and the fuel used is
// reported, so the same count can be compared with the JVM's.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [file, request, warmupArg, runsArg, budgetArg] = process.argv.slice(2);
if (!file || request === undefined) {
  console.error('usage: node run-v8.mjs <module.wasm> <request-json> <warmup> <runs> [fuel-budget]');
  process.exit(2);
}
const warmup = Number(warmupArg ?? 3);
const runs = Number(runsArg ?? 5);
const budget = budgetArg === undefined ? null : BigInt(budgetArg);
const module = new WebAssembly.Module(readFileSync(file));
const input = new TextEncoder().encode(request);
const decoder = new TextDecoder();
// A call that names no inputs: the tandem.input_* imports answer "no such input", charging fuel as a node does.
const imports = {
  tandem: {
    input_size: () => { charge(); return -1n; },
    input_read: () => { charge(); return -1; },
  },
};
let exports = null;
function charge() {
  if (budget !== null) exports.tandem_fuel.value -= 1n;
}

function once() {
  const instance = new WebAssembly.Instance(module, imports);
  const e = instance.exports;
  exports = e;
  if (budget !== null) e.tandem_fuel.value = budget;
  const ptr = e.tandem_alloc(input.length);
  new Uint8Array(e.memory.buffer, ptr, input.length).set(input);
  const r = BigInt.asUintN(64, e.tandem_call(ptr, input.length));
  const out = decoder.decode(new Uint8Array(e.memory.buffer, Number(r >> 32n), Number(r & 0xffffffffn)));
  const fuel = budget === null ? null : (budget - e.tandem_fuel.value).toString();
  return { out, fuel };
}

for (let i = 0; i < warmup; i++) once();
const ms = [];
const cpuMs = [];
let last;
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  last = once();
  ms.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpuMs.push((c.user + c.system) / 1000);
}
console.log(JSON.stringify({ ms, cpuMs, output: last.out, fuel: last.fuel }));
