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
 */
final class ChicoryEngine implements WasmEngine {
  /** The engine's name. */
  static final String NAME = "chicory";

  private final boolean compiled;

  ChicoryEngine(boolean compiled) {
    this.compiled = compiled;
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
    Function<Instance, Machine> factory = compiled
        ? MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT).compile()
        : null;
    return new Module(module, factory, prepared.memory(),
        MemorySnapshot.of(module, prepared.memory().initialPages()));
  }

  @Override
  public void close() {}

  /** A parsed module, its compiled code (null to interpret) and its initial memory (null: apply the segments). */
  private record Module(WasmModule module, Function<Instance, Machine> factory, MemoryLimits memory,
                        MemorySnapshot snapshot) implements EngineModule {
    @Override
    public EngineInstance instantiate(List<ImportFunction> imports, int maxPages) {
      return new ChicoryInstance(this, imports, maxPages);
    }
  }

  /** One Chicory instance; built on {@link #start()}, whose build and start function may throw. */
  private static final class ChicoryInstance implements EngineInstance {
    private final Module module;
    private final List<ImportFunction> imports;
    private final int maxPages;
    private GuardedMemory memory;
    private Instance instance;
    private boolean started;

    ChicoryInstance(Module module, List<ImportFunction> imports, int maxPages) {
      this.module = module;
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
      if (module.factory() != null) {
        builder.withMachineFactory(module.factory());
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
