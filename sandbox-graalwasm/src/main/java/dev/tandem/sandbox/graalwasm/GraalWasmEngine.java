package dev.tandem.sandbox.graalwasm;

import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.engine.WasmEngine;
import org.graalvm.polyglot.Engine;

/**
 * GraalWasm, GraalVM's WebAssembly on Truffle, as a sandbox engine. It runs the same metered module as Chicory, so
 * fuel, call depth and NaN canonicalization are identical; it is faster once a module is hot (Truffle compiles it
 * with the Graal compiler when the JVM runs with JVMCI) and far slower while cold (a first call takes seconds).
 *
 * <p>One polyglot engine holds the compiled code of every module; each call gets its own context and instance, so
 * nothing a call leaves behind reaches the next.
 */
public final class GraalWasmEngine implements WasmEngine {
  /** The engine's name. */
  public static final String NAME = "graalwasm";

  private final Engine engine;

  public GraalWasmEngine() {
    this.engine = Engine.newBuilder("wasm")
        // Without JVMCI Truffle only interprets; the node still works, slowly, and says so in its status.
        .option("engine.WarnInterpreterOnly", "false")
        .build();
    warmUp();
  }

  /**
   * Runs a trivial module once, so that starting the language (seconds on a busy machine: class loading, the first
   * context) happens when the engine is made and is not charged to the first call's deadline.
   */
  private void warmUp() {
    byte[] wasm = {0, 'a', 's', 'm', 1, 0, 0, 0,
        1, 5, 1, 0x60, 0, 1, 0x7f, // type: () -> i32
        3, 2, 1, 0, // one function of type 0
        7, 5, 1, 1, 'f', 0, 0, // export "f"
        10, 6, 1, 4, 0, 0x41, 1, 0x0b}; // body: i32.const 1
    try (org.graalvm.polyglot.Context context = org.graalvm.polyglot.Context.newBuilder("wasm").engine(engine)
        .build()) {
      context.eval(org.graalvm.polyglot.Source.newBuilder("wasm",
          org.graalvm.polyglot.io.ByteSequence.create(wasm), "warm-up").buildLiteral())
          .newInstance().getMember("exports").getMember("f").execute();
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Whether Truffle compiles guest code here (the JVM runs with JVMCI and the Graal compiler), else interprets. */
  public boolean optimizing() {
    return !engine.getImplementationName().contains("Interpreted");
  }

  @Override
  public EngineModule prepare(PreparedModule module) {
    return new GraalModule(engine, module);
  }

  @Override
  public void close() {
    engine.close(true);
  }

  /** Registers the engine for {@link java.util.ServiceLoader}. */
  public static final class Provider implements WasmEngine.Provider {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public WasmEngine create() {
      return new GraalWasmEngine();
    }
  }
}
