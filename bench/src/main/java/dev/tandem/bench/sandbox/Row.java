package dev.tandem.bench.sandbox;

import dev.tandem.bench.sandbox.SandboxBenchmark.Engine;
import java.util.EnumMap;
import java.util.Map;

/** Medians per engine for one kernel, in milliseconds (NaN = not run). */
final class Row {
  final Kernel kernel;
  final long n;
  /** Wall-clock medians. */
  final Map<Engine, Double> ms = new EnumMap<>(Engine.class);
  /** CPU-time medians: the calling thread's on the JVM, the process's for V8 and native code. */
  final Map<Engine, Double> cpu = new EnumMap<>(Engine.class);
  long fuel;
  /** Fuel the instrumented module counted on V8, or -1 if not run. */
  long v8Fuel = -1;
  /** Metered / unmetered, from the medians of this thread's CPU time. */
  double cpuOverhead;
  double instrumentMs;
  int inputBytes;
  int outputBytes;
  boolean mismatch;
  /** One fresh instance before the call, data segments applied against from the snapshot (Chicory, compiled). */
  ChicoryRuns.Instantiation instantiation;
  /** GraalWasm: the first call on a fresh engine (wall clock), the calls of its warm-up, JVMCI on or not. */
  double graalColdMs = Double.NaN;
  int graalWarmupRuns;
  boolean graalOptimizing;

  void put(Engine e, double[] wall, double[] cpuTime) {
    ms.put(e, SandboxBenchmark.median(wall));
    cpu.put(e, SandboxBenchmark.median(cpuTime));
  }

  void put(Engine e, double[] wall, double[] cpuTime, double factor) {
    ms.put(e, SandboxBenchmark.median(wall) * factor);
    cpu.put(e, SandboxBenchmark.median(cpuTime) * factor);
  }

  Row(Kernel kernel, long n) {
    this.kernel = kernel;
    this.n = n;
  }

  double get(Map<Engine, Double> which, Engine e) {
    return which.getOrDefault(e, Double.NaN);
  }
}
