package dev.tandem.bench.sandbox;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.graalwasm.GraalWasmEngine;
import dev.tandem.sandbox.meter.MeterAbi;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The metered kernels on GraalWasm as a node runs them: one engine, a fresh instance per call. GraalWasm is slow
 * while cold and fast once Truffle has compiled a module, so the first call and the steady state are measured
 * apart: the first call on a fresh engine, then calls for a fixed time before timing (the compiler's own warm-up
 * takes seconds of both cores).
 */
final class GraalWasmRuns {
  private static final long BUDGET = Long.MAX_VALUE / 2;
  private static final int MAX_PAGES = 4096;

  /**
   * @param coldMs     the first call's wall-clock time (preparing the module included), on a fresh engine
   * @param warmupRuns calls made in the warm-up time
   * @param optimizing whether Truffle compiled guest code (JVMCI on), else all of it ran interpreted
   */
  record Result(double coldMs, double[] ms, double[] cpuMs, String output, long fuel, int warmupRuns,
                boolean optimizing) {}

  private GraalWasmRuns() {}

  static Result time(byte[] metered, String request, Duration warmup, int runs) {
    WasmModule parsed = Parser.parse(metered);
    MemoryLimits memory = parsed.memorySection().get().getMemory(0).limits();
    byte[] in = request.getBytes(StandardCharsets.UTF_8);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (GraalWasmEngine engine = new GraalWasmEngine()) {
      long start = System.nanoTime();
      EngineModule module = engine.prepare(new PreparedModule(metered, parsed, memory));
      long[] fuel = new long[1];
      String output = call(module, in, fuel);
      double coldMs = (System.nanoTime() - start) / 1e6;
      int warmupRuns = 0;
      long until = System.nanoTime() + warmup.toNanos();
      while (System.nanoTime() < until) {
        call(module, in, fuel);
        warmupRuns++;
      }
      double[] ms = new double[runs];
      double[] cpu = new double[runs];
      for (int r = 0; r < runs; r++) {
        long cpuStart = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        output = call(module, in, fuel);
        ms[r] = (System.nanoTime() - t0) / 1e6;
        cpu[r] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
      }
      return new Result(coldMs, ms, cpu, output, fuel[0], warmupRuns, engine.optimizing());
    }
  }

  /** One call in a fresh instance of a prepared module, on any engine; its fuel goes to {@code fuel[0]}. */
  static String call(EngineModule module, byte[] in, long[] fuel) {
    EngineInstance i = module.instantiate(NoInputs.metered(), MAX_PAGES);
    try {
      i.start();
      i.global(MeterAbi.FUEL, BUDGET);
      int ptr = (int) i.call("tandem_alloc", in.length)[0];
      i.write(ptr, in);
      long res = i.call("tandem_call", ptr, in.length)[0];
      fuel[0] = BUDGET - i.global(MeterAbi.FUEL);
      return new String(i.read((int) (res >>> 32), (int) res), StandardCharsets.UTF_8);
    } finally {
      i.close();
    }
  }
}
