/**
 * The seam between the sandbox and the WebAssembly engines it runs metered modules on: Chicory is built in, others
 * (GraalWasm) plug in through {@link dev.tandem.sandbox.engine.WasmEngine.Provider}.
 */
package dev.tandem.sandbox.engine;
