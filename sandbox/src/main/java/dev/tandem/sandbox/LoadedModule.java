package dev.tandem.sandbox;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineModule;

/**
 * A module ready to run: checked, metered (instrumented), parsed and prepared by the sandbox's engine.
 * Immutable and shared by every call of the module; each call makes its own instance from it.
 *
 * @param cid            the content id the module was loaded under
 * @param abi            the ABI it was checked against
 * @param sha256         digest of the original bytes, to catch a CID reused for other bytes
 * @param module         the metered module
 * @param code           the module as the engine runs it (compiled code, prepared initial memory)
 * @param memory         the memory limits the module declares
 * @param report         what the load-time checks found (imports, exports)
 * @param weight         bytes charged against the cache (metered module size)
 * @param times          where loading it took its time
 */
record LoadedModule(
    String cid,
    Abi abi,
    byte[] sha256,
    WasmModule module,
    EngineModule code,
    MemoryLimits memory,
    ModuleReport report,
    long weight,
    LoadTimes times) {}
