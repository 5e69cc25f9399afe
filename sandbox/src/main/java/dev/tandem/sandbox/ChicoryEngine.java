package dev.tandem.sandbox;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.engine.WasmEngine;
import java.util.List;
import java.util.function.Function;

/**
 * Chicory, the built-in engine: compiles modules to JVM bytecode (or interprets them) and instantiates them from a
 * prepared snapshot of their initial memory ({@link MemorySnapshot}).
 *
 * <p>Tiered, a module is ready as soon as it is parsed: its first calls run on Chicory's interpreter while a
 * background thread compiles it, and every instance made after that runs the compiled code. Both tiers run the same
 * metered module, whose fuel, call-depth and NaN rules are in its own code, so outcomes, results and fuel do not
 * depend on the tier a call ran on (the sandbox tests compare the two on every example service, trap and hostile
 * module). An instance never changes tier; a call still running on the interpreter when the compiled code is ready is
 * stopped and run again in a fresh, compiled instance ({@link EngineModule#upgrade()}).
 */
final class ChicoryEngine implements WasmEngine {
  /**
   * Chicory's interpreter sees a thread interrupt only at {@code br} and calls, not at the {@code br_if} or
   * {@code br_table} that closes most loops a compiler emits (and the meter keeps a loop's fuel in a local, so a
   * host cannot stop it through the fuel global either): without this check a deadline, or a faster tier being
   * ready, would not stop an interpreted loop before its fuel ran out. Compiled code checks at every back-edge.
   */
  private static final com.dylibso.chicory.runtime.ExecutionListener INTERRUPTIBLE_LOOPS = (instruction, stack) -> {
    var op = instruction.opcode();
    if ((op == com.dylibso.chicory.wasm.types.OpCode.BR_IF || op == com.dylibso.chicory.wasm.types.OpCode.BR_TABLE)
        && Thread.currentThread().isInterrupted()) {
      throw new com.dylibso.chicory.runtime.ChicoryInterruptedException("Thread interrupted");
    }
  };
  /** The engine's name. */
  static final String NAME = "chicory";
  /** {@link EngineModule#tier()} of a module calls interpret. */
  static final String INTERPRETER = "interpreter";
  /** {@link EngineModule#tier()} of a module calls run compiled. */
  static final String COMPILED = "compiled";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChicoryEngine.class);

  private final boolean compiled;
  /** Where tiered modules are compiled; null: compile before a module is ready (or never, interpreting). */
  private final java.util.concurrent.Executor background;
  private final java.util.concurrent.ExecutorService owned;

  ChicoryEngine(boolean compiled) {
    this.compiled = compiled;
    this.background = null;
    this.owned = null;
  }

  /** A tiered engine compiling on a thread of its own, stopped by {@link #close()}. */
  static ChicoryEngine tiered() {
    java.util.concurrent.ExecutorService thread = CallPool.background("tandem-compile");
    return new ChicoryEngine(thread, thread);
  }

  /** A tiered engine compiling on {@code background} (tests hold the compilation back with it). */
  static ChicoryEngine tiered(java.util.concurrent.Executor background) {
    return new ChicoryEngine(background, null);
  }

  private ChicoryEngine(java.util.concurrent.Executor background, java.util.concurrent.ExecutorService owned) {
    this.compiled = true;
    this.background = background;
    this.owned = owned;
  }

  @Override
  public String name() {
    return NAME;
  }

  boolean compiled() {
    return compiled;
  }

  @Override
  public EngineModule prepare(PreparedModule prepared) {
    WasmModule module = prepared.parsed();
    MemorySnapshot snapshot = MemorySnapshot.of(module, prepared.memory().initialPages());
    if (!compiled || background == null) {
      Module once = new Module(module, compiled ? compile(module) : null, prepared.memory(), snapshot);
      once.settled.complete(null);
      return once;
    }
    Module tiered = new Module(module, null, prepared.memory(), snapshot);
    tiered.compiling = true;
    try {
      background.execute(() -> {
        try {
          tiered.factory = compile(module);
          tiered.compiled.complete(null);
        } catch (RuntimeException | Error e) { // the interpreter runs it as well: slower, with the same outcomes
          LOG.warn("a module stays on the interpreter: compiling it failed: {}", e.toString());
        } finally {
          tiered.settled.complete(null);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      tiered.settled.complete(null);
    }
    return tiered;
  }

  private static Function<Instance, Machine> compile(WasmModule module) {
    return MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT).compile();
  }

  @Override
  public void close() {
    if (owned != null) {
      owned.shutdownNow();
    }
  }

  /** A parsed module, its compiled code (null to interpret) and its initial memory snapshot. */
  private static final class Module implements EngineModule {
    private final WasmModule module;
    private final MemoryLimits memory;
    private final MemorySnapshot snapshot;
    /** Set once by the background compilation of a tiered module; read once per instance. */
    private volatile Function<Instance, Machine> factory;
    private final java.util.concurrent.CompletableFuture<Void> settled = new java.util.concurrent.CompletableFuture<>();
    /** Completes when the background compilation succeeded (never when it failed). */
    private final java.util.concurrent.CompletableFuture<Void> compiled = new java.util.concurrent.CompletableFuture<>();
    /** Whether the module is compiled in the background (tiered), so that a faster tier may come. */
    private boolean compiling;

    Module(WasmModule module, Function<Instance, Machine> factory, MemoryLimits memory, MemorySnapshot snapshot) {
      this.module = module;
      this.factory = factory;
      this.memory = memory;
      this.snapshot = snapshot;
    }

    WasmModule module() {
      return module;
    }

    MemoryLimits memory() {
      return memory;
    }

    MemorySnapshot snapshot() {
      return snapshot;
    }

    @Override
    public EngineInstance instantiate(List<ImportFunction> imports, int maxPages) {
      return new ChicoryInstance(this, factory, imports, maxPages);
    }

    @Override
    public String tier() {
      return factory == null ? INTERPRETER : COMPILED;
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> upgrade() {
      return compiling && factory == null ? compiled : null;
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> settled() {
      return settled.copy();
    }
  }

  /** One Chicory instance; built on {@link #start()}, whose build and start function may throw. */
  private static final class ChicoryInstance implements EngineInstance {
    private final Module module;
    /** The compiled code this instance runs, null to interpret: fixed when it is made, so a call keeps its tier. */
    private final Function<Instance, Machine> factory;
    private final List<ImportFunction> imports;
    private final int maxPages;
    private GuardedMemory memory;
    private Instance instance;
    private boolean started;

    ChicoryInstance(Module module, Function<Instance, Machine> factory, List<ImportFunction> imports, int maxPages) {
      this.module = module;
      this.factory = factory;
      this.imports = imports;
      this.maxPages = maxPages;
    }

    @Override
    public void start() {
      Instance.Builder builder = Instance.builder(module.module())
          .withImportValues(ImportValues.builder().withFunctions(imports).build())
          .withMemoryLimits(new MemoryLimits(module.memory().initialPages(), maxPages))
          .withMemoryFactory(declared -> memory = new GuardedMemory(declared, module.snapshot()))
          .withStart(false)
          .withInitialize(false);
      if (factory != null) {
        builder.withMachineFactory(factory);
      } else {
        builder.withUnsafeExecutionListener(INTERRUPTIBLE_LOOPS);
      }
      instance = builder.build();
      // Initializing runs the module's start function: globals exist from here, so its fuel can be read if it traps.
      instance.initialize(false);
      started = true;
    }

    @Override
    public boolean started() {
      if (started) {
        return true;
      }
      if (instance == null) {
        return false;
      }
      try { // a start function that trapped: the globals exist once initialization began
        instance.exports().global(dev.tandem.sandbox.meter.MeterAbi.FUEL);
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }

    @Override
    public long[] call(String export, long... args) {
      long[] results = instance.export(export).apply(args);
      return results == null ? new long[0] : results;
    }

    @Override
    public long global(String name) {
      return instance.exports().global(name).getValue();
    }

    @Override
    public void global(String name, long value) {
      instance.exports().global(name).setValue(value);
    }

    @Override
    public int pages() {
      return instance.memory().pages();
    }

    @Override
    public byte[] read(int address, int length) {
      return instance.memory().readBytes(address, length);
    }

    @Override
    public void write(int address, byte[] bytes) {
      instance.memory().write(address, bytes);
    }

    @Override
    public boolean growRefused() {
      return memory != null && memory.growRefused();
    }
  }
}
