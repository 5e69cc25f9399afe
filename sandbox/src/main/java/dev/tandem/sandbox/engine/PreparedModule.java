package dev.tandem.sandbox.engine;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;

/**
 * A module as the sandbox hands it to an engine: the metered bytes, their parse (types of exports and imports), and
 * the memory they declare.
 *
 * @param metered the metered module binary (never modified by an engine)
 * @param parsed  the same module parsed and validated
 * @param memory  the memory it declares ({@code 0..0} when it has none)
 */
public record PreparedModule(byte[] metered, WasmModule parsed, MemoryLimits memory) {}
