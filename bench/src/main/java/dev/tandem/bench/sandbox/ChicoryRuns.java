package dev.tandem.bench.sandbox;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.meter.MeterAbi;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** The kernels on Chicory, metered or not, compiled or interpreted, as bare instances (no sandbox around them). */
final class ChicoryRuns {
  /** Fuel budget for metered runs: large enough never to run out. */
  private static final long BUDGET = Long.MAX_VALUE / 2;
  private static final int MAX_PAGES = 4096;

  private ChicoryRuns() {}

  /**
   * One module on one Chicory engine; {@code factory == null} means the interpreter. With {@code asNode} the module
   * runs through the sandbox's Chicory engine as a node runs it (each instance starting from the module's prepared
   * memory snapshot, the input functions linked), else as a bare Chicory instance.
   */
  record Variant(WasmModule module, Function<Instance, Machine> factory, boolean metered, EngineModule asNode) {
    Variant(WasmModule module, Function<Instance, Machine> factory, boolean metered) {
      this(module, factory, metered, null);
    }
  }

  /**
   * Times of one engine on one request (wall clock and this thread's CPU time), the last output, and (metered)
   * the fuel it used.
   */
  record Timed(double[] ms, double[] cpuMs, String output, long fuel) {}

  /**
   * What one fresh instance costs before the call runs, in this thread's CPU milliseconds (medians): as a bare
   * Chicory instance of the compiled metered module (the data segments applied to a new memory, then the start
   * function) against the sandbox's instance from the module's memory snapshot (copy on write). Alternating rounds.
   */
  record Instantiation(double segmentsMs, double snapshotMs) {}

  static Instantiation instantiation(Variant asNode, int warmup, int runs) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    WasmModule module = asNode.module();
    double[] segments = new double[runs];
    double[] snapshot = new double[runs];
    for (int r = -warmup; r < runs; r++) {
      long start = threads.getCurrentThreadCpuTime();
      Instance bare = Instance.builder(module).withMemoryLimits(new MemoryLimits(
              module.memorySection().get().getMemory(0).limits().initialPages(), MAX_PAGES))
          .withImportValues(ImportValues.builder().withFunctions(NoInputs.metered()).build())
          .withMachineFactory(asNode.factory()).build();
      long mid = threads.getCurrentThreadCpuTime();
      EngineInstance fromSnapshot = asNode.asNode().instantiate(NoInputs.metered(), MAX_PAGES);
      try {
        fromSnapshot.start();
      } finally {
        fromSnapshot.close();
      }
      long end = threads.getCurrentThreadCpuTime();
      if (r >= 0 && bare != null) {
        segments[r] = (mid - start) / 1e6;
        snapshot[r] = (end - mid) / 1e6;
      }
    }
    return new Instantiation(SandboxBenchmark.median(segments), SandboxBenchmark.median(snapshot));
  }

  /** Runs {@code request} on fresh instances of each variant in turn, {@code warmup + runs} rounds. */
  static Timed[] time(List<Variant> variants, String request, int warmup, int runs) {
    byte[] in = request.getBytes(StandardCharsets.UTF_8);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int count = variants.size();
    double[][] ms = new double[count][runs];
    double[][] cpu = new double[count][runs];
    String[] output = new String[count];
    long[] fuel = new long[count];
    Arrays.fill(fuel, -1);
    for (int r = -warmup; r < runs; r++) {
      for (int step = 0; step < count; step++) {
        // Alternate the order every round (ABBA…) so neither variant always runs right after the other.
        int v = (r & 1) == 0 ? step : count - 1 - step;
        Variant variant = variants.get(v);
        WasmModule module = variant.module();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        if (variant.asNode() != null) {
          long[] used = new long[1];
          output[v] = GraalWasmRuns.call(variant.asNode(), in, used);
          fuel[v] = used[0];
          if (r >= 0) {
            ms[v][r] = (System.nanoTime() - start) / 1e6;
            cpu[v][r] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
          }
          continue;
        }
        Instance.Builder b = Instance.builder(module).withMemoryLimits(new MemoryLimits(
            module.memorySection().get().getMemory(0).limits().initialPages(), MAX_PAGES))
            .withImportValues(ImportValues.builder()
                .withFunctions(variant.metered() ? NoInputs.metered() : NoInputs.unmetered()).build());
        if (variant.factory() != null) {
          b.withMachineFactory(variant.factory());
        }
        Instance i = b.build();
        if (variant.metered()) {
          i.exports().global(MeterAbi.FUEL).setValue(BUDGET);
        }
        int ptr = (int) i.export("tandem_alloc").apply(in.length)[0];
        i.memory().write(ptr, in);
        long res = i.export("tandem_call").apply(ptr, in.length)[0];
        output[v] = i.memory().readString((int) (res >>> 32), (int) res);
        long elapsed = System.nanoTime() - start;
        long cpuElapsed = threads.getCurrentThreadCpuTime() - cpuStart;
        if (variant.metered()) {
          fuel[v] = BUDGET - i.exports().global(MeterAbi.FUEL).getValue();
        }
        if (r >= 0) {
          ms[v][r] = elapsed / 1e6;
          cpu[v][r] = cpuElapsed / 1e6;
        }
      }
    }
    Timed[] result = new Timed[count];
    for (int v = 0; v < count; v++) {
      result[v] = new Timed(ms[v], cpu[v], output[v], fuel[v]);
    }
    return result;
  }
}
