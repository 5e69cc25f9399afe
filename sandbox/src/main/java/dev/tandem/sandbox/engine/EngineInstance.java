package dev.tandem.sandbox.engine;

/**
 * One fresh instance of a metered module on one engine, used by one call on one thread. Values cross as the Wasm
 * binary encodings in {@code long}s: i32 as its signed value, f32 and f64 as their raw bits. Any method may throw
 * what the module does: a {@link WasmTrap}, or an engine's own trap exception the sandbox recognizes, or what a
 * host function threw.
 */
public interface EngineInstance {
  /** Links the imports, applies the data segments and runs the start function, if any. */
  void start();

  /** Whether {@link #start()} completed, so that exports and globals can be read. */
  boolean started();

  /** Calls an exported function. */
  long[] call(String export, long... args);

  /** Reads the exported mutable global {@code name} (i32 or i64). */
  long global(String name);

  /** Writes the exported mutable global {@code name} (i32 or i64). */
  void global(String name, long value);

  /** Size of the memory in pages of 64 KiB. */
  int pages();

  byte[] read(int address, int length);

  void write(int address, byte[] bytes);

  /** Whether any {@code memory.grow} of this instance returned -1. */
  boolean growRefused();

  /**
   * Stops a running call from another thread, when its deadline passed; the call then throws as interrupted. The
   * sandbox also interrupts the worker thread, which is all an engine that checks {@link Thread#isInterrupted()}
   * (Chicory) needs; an engine whose guest code does not see thread interrupts must stop it here. May be called
   * before {@link #start()}, during it, or after the call ended; must not block for long.
   */
  default void interrupt() {}

  /** Releases what the instance holds; called once when its call is done. */
  default void close() {}
}
