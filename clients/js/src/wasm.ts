import { canonical, isObject, type Json, type JsonObject } from "./json.js";

/** The limits of a service record that a run needs (docs/protocol.md, "Records"). */
export interface RunLimits {
  fuel: number;
  memoryPages: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
}

/** What the run of a metered module gave: the canonical response and the fuel it used. */
export interface RunResult {
  response: JsonObject;
  fuel: number;
}

/** The run cannot be judged here the way a node would (an engine limit, an input by CID): never a verdict. */
export class CannotRerunError extends Error {}

/** Fixed responses of traps (docs/protocol.md; the node's TrapKind): code and message are the whole response. */
const TRAPS = {
  unreachable: [-32010, "trap: unreachable executed"],
  outOfBounds: [-32011, "trap: out of bounds memory or table access"],
  divisionByZero: [-32012, "trap: integer divide by zero"],
  integerOverflow: [-32013, "trap: integer overflow"],
  invalidConversion: [-32014, "trap: invalid conversion to integer"],
  indirectCall: [-32015, "trap: bad indirect call"],
  outOfFuel: [-32016, "trap: out of fuel"],
  memoryLimit: [-32017, "trap: memory limit exceeded"],
  callDepth: [-32018, "trap: call depth exceeded"],
  outputTooLarge: [-32019, "trap: output too large"],
  invalidOutput: [-32020, "trap: invalid output"],
  requestTooLarge: [-32022, "request too large"],
} as const;
type Trap = keyof typeof TRAPS;

/** The meter's contract (docs/metering.md): globals the metered module exports, and the node's defaults. */
const INITIAL_FUEL = 10_000_000n;
const MAX_CALL_DEPTH = 1000;
/** A host read costs 1 fuel plus 1 per 2^6 bytes it copies (the nodes' WASI and input functions). */
const HOST_BYTES_SHIFT = 6;
const PAGE = 65536;
const RESERVED_MIN = -32099;
const RESERVED_MAX = -32000;

function trap(kind: Trap, fuel: number): RunResult {
  const [code, message] = TRAPS[kind];
  return { response: { error: { code, message } }, fuel };
}

/** V8's trap messages, mapped to the node's trap kinds; anything else is not judged here. */
function trapOf(e: unknown): Trap {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof WebAssembly.RuntimeError)) throw new CannotRerunError(`engine stopped the run: ${message}`);
  if (/unreachable/.test(message)) return "unreachable";
  if (/memory access out of bounds|data segment|out of bounds memory/.test(message)) return "outOfBounds";
  if (/(divide|remainder) by zero/.test(message)) return "divisionByZero";
  if (/divide result unrepresentable/.test(message)) return "integerOverflow";
  if (/float unrepresentable|unrepresentable in integer/.test(message)) return "invalidConversion";
  if (/null function|signature mismatch|table index is out of bounds/.test(message)) return "indirectCall";
  throw new CannotRerunError(`unknown trap: ${message}`);
}

/**
 * Runs one request of a `tandem-v1` service in this engine's WebAssembly, exactly as a node does: the metered module
 * (the bytes the record's `metered` CID names, which every node checks against its own metering), the record's fuel
 * budget after the start function's, the call-depth limit, the request through `tandem_alloc`/`tandem_call`, the
 * output decoded strictly and canonically, traps as their fixed responses. V8 counts the same fuel because the
 * counting is code inside the module. `inputs` are the bytes of the inputs the request names by CID, in link order,
 * read through `tandem.input_size`/`tandem.input_read` at the nodes' price (1 fuel a read, plus 1 per 64 bytes
 * copied). What cannot be judged the same way here (a memory growth past the record's limit, an engine stack
 * overflow) throws {@link CannotRerunError}.
 */
export async function runMetered(module: WebAssembly.Module, request: string, limits: RunLimits,
    inputs: readonly Uint8Array[] = []): Promise<RunResult> {
  const requestBytes = new TextEncoder().encode(request);
  if (requestBytes.length > limits.maxRequestBytes) return trap("requestTooLarge", 0);
  let exports: WebAssembly.Exports | undefined;
  const fuelGlobal = () => exports!.tandem_fuel as WebAssembly.Global;
  const charge = (bytes: number) => {
    fuelGlobal().value = (fuelGlobal().value as bigint) - 1n - BigInt(bytes >>> HOST_BYTES_SHIFT);
  };
  const imports: WebAssembly.Imports = {
    tandem: {
      input_size: (index: number) => {
        charge(0);
        return index >= 0 && index < inputs.length ? BigInt(inputs[index].length) : -1n;
      },
      input_read: (index: number, offset: bigint, ptr: number, len: number) => {
        const memory = exports!.memory as WebAssembly.Memory;
        const p = ptr >>> 0;
        const n = len >>> 0;
        const input = inputs[index];
        if (index < 0 || input === undefined || offset < 0n || offset > BigInt(input.length)
            || p + n > memory.buffer.byteLength) {
          charge(0);
          return -1;
        }
        const from = Number(offset);
        const copied = Math.min(n, input.length - from);
        new Uint8Array(memory.buffer, p, copied).set(input.subarray(from, from + copied));
        charge(copied);
        return copied;
      },
    },
  };
  const budget = BigInt(limits.fuel);
  let startFuel = 0n;
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, imports);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError || e instanceof WebAssembly.CompileError) {
      throw new CannotRerunError(`cannot instantiate: ${(e as Error).message}`);
    }
    return trap(trapOf(e), limits.fuel); // the start function trapped
  }
  exports = instance.exports;
  const memory = exports.memory as WebAssembly.Memory | undefined;
  const g = (name: string) => exports![name] as WebAssembly.Global;
  startFuel = INITIAL_FUEL - (g("tandem_fuel").value as bigint);
  if (startFuel >= budget) return trap("outOfFuel", limits.fuel);
  if (memory && memory.buffer.byteLength / PAGE > limits.memoryPages) return trap("memoryLimit", 0);
  g("tandem_fuel").value = budget - startFuel;
  g("tandem_max_depth").value = MAX_CALL_DEPTH;
  const used = () => {
    const remaining = g("tandem_fuel").value as bigint;
    const total = g("tandem_trap").value === 1 || remaining < 0n ? budget : startFuel + (budget - startFuel - remaining);
    return Number(total > budget ? budget : total);
  };
  let output: Uint8Array;
  try {
    const alloc = exports.tandem_alloc as (len: number) => number;
    const call = exports.tandem_call as (ptr: number, len: number) => bigint;
    const ptr = alloc(requestBytes.length) >>> 0;
    if (!memory || ptr + requestBytes.length > memory.buffer.byteLength) return trap("invalidOutput", used());
    new Uint8Array(memory.buffer, ptr, requestBytes.length).set(requestBytes);
    const packed = BigInt.asUintN(64, BigInt(call(ptr, requestBytes.length)));
    const outPtr = Number(packed >> 32n);
    const outLen = Number(packed & 0xffffffffn);
    if (memory.buffer.byteLength / PAGE > limits.memoryPages) {
      throw new CannotRerunError("the module grew its memory past the record's limit, which a node refuses");
    }
    if (outLen > limits.maxResponseBytes) return trap("outputTooLarge", used());
    if (outPtr + outLen > memory.buffer.byteLength) return trap("invalidOutput", used());
    output = new Uint8Array(memory.buffer.slice(outPtr, outPtr + outLen));
  } catch (e) {
    if (e instanceof CannotRerunError) throw e;
    if (memory && memory.buffer.byteLength / PAGE > limits.memoryPages) {
      throw new CannotRerunError("the module grew its memory past the record's limit, which a node refuses");
    }
    const flag = g("tandem_trap").value;
    if (flag === 1) return trap("outOfFuel", limits.fuel);
    if (flag === 2) return trap("callDepth", used());
    // As nodes do: the meter's count is exact after an unreachable, and only as recent as its last write-back after
    // other traps, so those are charged the whole budget.
    const kind = trapOf(e);
    return trap(kind, kind === "unreachable" ? used() : limits.fuel);
  }
  return { response: decode(output) ?? TRAPS_INVALID, fuel: used() };
}

const TRAPS_INVALID: JsonObject = { error: { code: TRAPS.invalidOutput[0], message: TRAPS.invalidOutput[1] } };

/** The module's output as a canonical response, or undefined when it is not exactly one (an invalid-output trap). */
function decode(output: Uint8Array): JsonObject | undefined {
  let root: Json;
  try {
    root = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(output));
    canonical(root);
  } catch {
    return undefined;
  }
  if (!isObject(root) || Object.keys(root).length !== 1) return undefined;
  if ("result" in root) return { result: root.result };
  const error = root.error;
  if (!isObject(error) || Object.keys(error).some((k) => k !== "code" && k !== "message" && k !== "data")) {
    return undefined;
  }
  const { code, message, data } = error;
  if (typeof code !== "number" || !Number.isInteger(code) || Math.abs(code) > 2 ** 53) return undefined;
  if (code >= RESERVED_MIN && code <= RESERVED_MAX) return undefined;
  if (typeof message !== "string") return undefined;
  const out: JsonObject = { code, message };
  if (data !== undefined) out.data = data;
  return { error: out };
}

/** Calls a verifier module's `minRequests` export (verifiers are run unmetered: their verdict is all that counts). */
export async function verifierMinRequests(module: WebAssembly.Module): Promise<number> {
  const instance = await WebAssembly.instantiate(module, {});
  return (instance.exports.minRequests as () => number)();
}

/** Runs a verifier module's `verify` on its canonical input and returns the verdict object it wrote. */
export async function runVerifier(module: WebAssembly.Module, input: Json): Promise<Json> {
  const instance = await WebAssembly.instantiate(module, {});
  const bytes = new TextEncoder().encode(canonical(input));
  const memory = instance.exports.memory as WebAssembly.Memory;
  const ptr = (instance.exports.tandem_alloc as (n: number) => number)(bytes.length) >>> 0;
  new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
  const packed = BigInt.asUintN(64, BigInt((instance.exports.verify as (p: number, n: number) => bigint)(ptr,
    bytes.length)));
  const out = memory.buffer.slice(Number(packed >> 32n), Number(packed >> 32n) + Number(packed & 0xffffffffn));
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(out));
}
