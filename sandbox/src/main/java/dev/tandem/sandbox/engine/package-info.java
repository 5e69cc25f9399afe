/**
 * The seam between the sandbox and the WebAssembly engines it runs metered modules on: Chicory is built in, others
 * (GraalWasm) plug in through {@link dev.tandem.sandbox.engine.WasmEngine.Provider}.
 *
 * <p>Dependencies go one way: the sandbox uses this package and this package uses nothing of the sandbox, so an
 * engine implements it without the sandbox's internals. What both sides speak lives here, the trap kinds included
 * ({@link dev.tandem.sandbox.engine.TrapKind}: an engine reports a {@link dev.tandem.sandbox.engine.WasmTrap} of a
 * kind, the sandbox turns the kind into the call's fixed error response).
 */
package dev.tandem.sandbox.engine;
