package dev.tandem.sandbox.engine;

/**
 * A WebAssembly engine the sandbox runs metered modules on. Every engine runs the same metered bytes (fuel, call
 * depth and NaN canonicalization are in the module, not in the engine), so outcomes, results and fuel are the same
 * on all of them; engines differ only in speed and cost. Implementations other than the built-in Chicory one are
 * found with {@link java.util.ServiceLoader} through {@link Provider}, so a node carries an engine's jars only when
 * it chooses it.
 */
public interface WasmEngine extends AutoCloseable {
  /** The engine's name, as {@code --engine} spells it. */
  String name();

  /**
   * Prepares a metered module for calls. Called once per module (the sandbox caches the result); the module has
   * passed validation, metering and a parse by the sandbox, so failures here are the engine's limits.
   */
  EngineModule prepare(PreparedModule module);

  /** Releases what the engine holds (compiled code, background threads). */
  @Override
  void close();

  /** Makes an engine; registered as a {@link java.util.ServiceLoader} service. */
  interface Provider {
    /** The name of the engine it makes. */
    String name();

    WasmEngine create();
  }
}
