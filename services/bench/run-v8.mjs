#!/usr/bin/env node
// Times a tandem-v1 module on V8, for comparison with the node's own engine.
//
//   node run-v8.mjs <module.wasm> <method> [params-json] [--reps R] [--warmup W] [--reuse]
//   node run-v8.mjs hash.wasm run '{"n":10000000}' --reps 20
//
// Each timed call is what a node does per request: a fresh instance, tandem_alloc,
// copy the request in, tandem_call, read the response. --reuse keeps one instance
// (the module's bump allocator then keeps growing, so use it only for small calls).
// Prints the first response, then the median, min and max call time in ns.
import fs from 'node:fs';

function usage() {
  console.error('usage: node run-v8.mjs <module.wasm> <method> [params-json] [--reps R] [--warmup W] [--reuse]');
  process.exit(2);
}

// RFC 8785 for the values a benchmark request holds: sorted keys, no whitespace.
// (JSON.stringify already prints strings and integers the way RFC 8785 does.)
function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

const args = process.argv.slice(2);
const opts = { reps: 11, warmup: 3, reuse: false };
const pos = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--reps') opts.reps = Number(args[++i]);
  else if (args[i] === '--warmup') opts.warmup = Number(args[++i]);
  else if (args[i] === '--reuse') opts.reuse = true;
  else pos.push(args[i]);
}
if (pos.length < 2 || !(opts.reps >= 1) || !(opts.warmup >= 0)) usage();
const [file, method, paramsText] = pos;

const request = { method };
if (paramsText !== undefined) request.params = JSON.parse(paramsText);
const bytes = new TextEncoder().encode(canonical(request));
const module = new WebAssembly.Module(fs.readFileSync(file));
if (WebAssembly.Module.imports(module).length) {
  console.error(`${file} has imports; tandem-v1 modules must have none`);
  process.exit(1);
}

let shared = null;
function call() {
  const inst = opts.reuse ? (shared ??= new WebAssembly.Instance(module, {})) : new WebAssembly.Instance(module, {});
  const { memory, tandem_alloc, tandem_call } = inst.exports;
  const ptr = tandem_alloc(bytes.length);
  new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
  const packed = tandem_call(ptr, bytes.length);
  const out = Number(packed >> 32n), len = Number(packed & 0xffffffffn);
  return new TextDecoder().decode(new Uint8Array(memory.buffer, out, len));
}

const first = call();
for (let i = 0; i < opts.warmup; i++) call();
const times = [];
for (let i = 0; i < opts.reps; i++) {
  const t0 = process.hrtime.bigint();
  call();
  times.push(Number(process.hrtime.bigint() - t0));
}
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2]
  : Math.round((times[times.length / 2 - 1] + times[times.length / 2]) / 2);
console.log(first.length > 400 ? first.slice(0, 400) + `... (${first.length} bytes)` : first);
console.log(`median_ns=${median} min_ns=${times[0]} max_ns=${times[times.length - 1]} reps=${opts.reps} warmup=${opts.warmup}`);
