package dev.tandem.bench.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of {@link SandboxBenchmark}.
 *
 * @param root the repository root (holds {@code services/})
 * @param warmup untimed runs before measuring, per kernel and engine
 * @param runs timed runs; the table shows their median
 * @param scale multiplies every kernel's n (e.g. 0.1 for a quick smoke run)
 * @param kernels kernels to run by name ({@code hash}, {@code sort}, {@code matmul}, {@code search}); empty = all
 * @param v8 also run on V8 ({@code node} must be on the PATH)
 * @param nativeCode also run the kernels compiled natively (gcc -O2)
 * @param interpreter also run Chicory's interpreter (at a reduced n, scaled up by fuel)
 * @param graalwasm also run the metered module on GraalWasm (first call, then steady state after a timed warm-up)
 */
public record BenchOptions(Path root, int warmup, int runs, double scale, List<String> kernels, boolean v8,
    boolean nativeCode, boolean interpreter, boolean graalwasm) {

  /** Without GraalWasm. */
  public BenchOptions(Path root, int warmup, int runs, double scale, List<String> kernels, boolean v8,
      boolean nativeCode, boolean interpreter) {
    this(root, warmup, runs, scale, kernels, v8, nativeCode, interpreter, false);
  }

  public BenchOptions {
    if (warmup < 0 || runs < 1 || !(scale > 0)) {
      throw new IllegalArgumentException("warmup >= 0, runs >= 1, scale > 0");
    }
    kernels = List.copyOf(kernels);
  }

  /** Every kernel and engine, 5 warm-up and 7 timed runs at full size. */
  public static BenchOptions defaults(Path root) {
    return new BenchOptions(root, 5, 7, 1.0, List.of(), true, true, true, true);
  }

  /** A fast smoke run (small n, few runs) that still exercises every engine. */
  public static BenchOptions quick(Path root) {
    return new BenchOptions(root, 1, 3, 0.05, List.of(), true, true, true, true);
  }

  /**
   * How long GraalWasm runs a kernel before timing it: steady state comes 10-16 s after start here (the Graal
   * compiler warms up too), a tenth of that for a quick run.
   */
  public java.time.Duration graalWarmup() {
    return java.time.Duration.ofMillis(scale < 0.5 ? 1_500 : 15_000);
  }

  public boolean wants(String kernel) {
    return kernels.isEmpty() || kernels.contains(kernel);
  }
}
