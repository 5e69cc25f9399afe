package dev.tandem.sandbox.meter;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.concurrent.atomic.AtomicReference;

/** Runs modules on Chicory in either mode, and reads the metering globals. */
final class Runner {
  enum Mode { INTERPRETER, COMPILED }

  private Runner() {}

  static Instance instance(byte[] wasm, Mode mode) {
    return instance(wasm, mode, ImportValues.empty());
  }

  static Instance instance(byte[] wasm, Mode mode, ImportValues imports) {
    WasmModule m = Parser.parse(wasm);
    Instance.Builder b = Instance.builder(m).withImportValues(imports);
    if (m.memorySection().isPresent() && m.memorySection().get().memoryCount() > 0) {
      b.withMemoryLimits(new MemoryLimits(
          m.memorySection().get().getMemory(0).limits().initialPages(), 256));
    }
    if (mode == Mode.COMPILED) {
      b.withMachineFactory(MachineFactoryCompiler.compile(m));
    }
    return b.build();
  }

  static long fuel(Instance i) {
    return i.exports().global(MeterAbi.FUEL).getValue();
  }

  static void fuel(Instance i, long budget) {
    i.exports().global(MeterAbi.FUEL).setValue(budget);
  }

  static int trap(Instance i) {
    return (int) i.exports().global(MeterAbi.TRAP).getValue();
  }

  static int depth(Instance i) {
    return (int) i.exports().global(MeterAbi.DEPTH).getValue();
  }

  static void maxDepth(Instance i, int max) {
    i.exports().global(MeterAbi.MAX_DEPTH).setValue(max);
  }

  /** Runs {@code body} on a thread with a large stack (deep recursion tests), rethrowing what it threw. */
  static <T> T onBigStack(java.util.concurrent.Callable<T> body) throws Exception {
    AtomicReference<Object> result = new AtomicReference<>();
    Thread t = new Thread(null, () -> {
      try {
        result.set(body.call());
      } catch (Throwable e) {
        result.set(e);
      }
    }, "big-stack", 512L << 20);
    t.start();
    t.join();
    Object r = result.get();
    if (r instanceof Exception e) {
      throw e;
    }
    if (r instanceof Error e) {
      throw e;
    }
    @SuppressWarnings("unchecked")
    T value = (T) r;
    return value;
  }
}
