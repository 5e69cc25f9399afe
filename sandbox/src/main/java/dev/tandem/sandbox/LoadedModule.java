package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.function.Function;

/**
 * A module ready to run: checked, metered (instrumented), parsed and, in compiled mode, compiled to JVM bytecode.
 * Immutable and shared by every call of the module; each call makes its own instance from it.
 *
 * @param cid            the content id the module was loaded under
 * @param abi            the ABI it was checked against
 * @param sha256         digest of the original bytes, to catch a CID reused for other bytes
 * @param module         the metered module
 * @param machineFactory compiled code, or {@code null} to interpret
 * @param memory         the memory limits the module declares
 * @param snapshot       the initial memory with the data segments applied, shared by every call (null when the
 *                       segments are applied per call, see {@link MemorySnapshot})
 * @param report         what the load-time checks found (imports, exports)
 * @param weight         bytes charged against the cache (metered module size)
 */
record LoadedModule(
    String cid,
    Abi abi,
    byte[] sha256,
    WasmModule module,
    Function<Instance, Machine> machineFactory,
    MemoryLimits memory,
    MemorySnapshot snapshot,
    ModuleReport report,
    long weight) {}
