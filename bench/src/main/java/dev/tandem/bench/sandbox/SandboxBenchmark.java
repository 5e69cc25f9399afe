package dev.tandem.bench.sandbox;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tandem.bench.sandbox.ChicoryRuns.Timed;
import dev.tandem.bench.sandbox.ChicoryRuns.Variant;
import dev.tandem.sandbox.Engines;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.meter.InstrumentOptions;
import dev.tandem.sandbox.meter.Instrumented;
import dev.tandem.sandbox.meter.Instrumenter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code tandem bench sandbox}: the same kernels on Tandem's metered engine and on the engines it is compared to.
 *
 * <p>Engines: Tandem (instrumented module, Chicory compiled, run through the sandbox's engine as a node runs it:
 * each instance starts from the module's memory snapshot), Chicory compiled without metering (a bare instance),
 * Chicory's interpreter (at a reduced n; its time is scaled up by the ratio of fuel at full and reduced n, which is
 * the ratio of instructions executed), V8 through Node (the kernel as built, and the metered module Tandem runs, so
 * that the price of metering and the engine's own speed show apart), and the kernel's C compiled natively with
 * gcc -O2. Every Wasm run is a fresh instance, as in production; compilation happens once, before the warm-up.
 * Each cell is the median of the timed runs, in CPU time (the calling thread's on the JVM, the whole process's for V8 and native
 * code), because on a shared machine wall-clock time also counts whatever else runs; wall-clock medians are
 * printed too. Outputs are compared across engines, and so is the fuel the instrumented module counts on V8;
 * a mismatch fails the benchmark.
 */
public final class SandboxBenchmark {
  private SandboxBenchmark() {}

  /** V8 receives the budget as a decimal string; any value above every kernel's use will do. */
  private static final long V8_BUDGET = 1L << 50;

  enum Engine {
    TANDEM("Tandem (metered)", "tandem-chicory", true),
    GRAALWASM("Tandem on GraalWasm†", "tandem-graalwasm", true),
    CHICORY("Chicory compiled", "chicory", false),
    INTERPRETER("Chicory interp.*", "chicory-interpreter", false),
    V8("V8 (Node)", "v8", false),
    V8_METERED("V8 metered‡", "v8-metered", true),
    NATIVE("native gcc -O2", "native", false);

    final String title;
    /** The engine's name in {@code --json}. */
    final String id;
    /** Whether it runs the metered module (its {@code --json} cell then also has {@code vsV8Metered}). */
    final boolean metered;

    Engine(String title, String id, boolean metered) {
      this.title = title;
      this.id = id;
      this.metered = metered;
    }
  }

  static final List<Kernel> KERNELS = List.of(
      new Kernel("hash", "services/bench/hash.wasm", "run", 50_000_000, 100, 1, "services/bench/hash.c"),
      new Kernel("sort", "services/bench/sort.wasm", "run", 1_000_000, 50, 1, "services/bench/sort.c"),
      new Kernel("matmul", "services/bench/matmul.wasm", "run", 400, 4, 1, "services/bench/matmul.c"),
      new Kernel("search", "services/search/search.wasm", "query", 0, 1, 100, null));

  /**
   * Command-line entry for running without the CLI:
   * {@code SandboxBenchmark [root] [--quick] [--kernels=hash,sort] [--no-v8] [--no-native] [--no-interpreter]}.
   */
  public static void main(String[] args) {
    Path root = Path.of(args.length > 0 && !args[0].startsWith("--") ? args[0] : ".");
    List<String> flags = Arrays.asList(args);
    BenchOptions o = flags.contains("--quick") ? BenchOptions.quick(root) : BenchOptions.defaults(root);
    List<String> kernels = flags.stream().filter(a -> a.startsWith("--kernels="))
        .flatMap(a -> Arrays.stream(a.substring(10).split(","))).toList();
    o = new BenchOptions(root, o.warmup(), o.runs(), o.scale(), kernels, !flags.contains("--no-v8"),
        !flags.contains("--no-native"), !flags.contains("--no-interpreter"), !flags.contains("--no-graalwasm"));
    System.exit(run(System.out, o));
  }

  /**
   * Runs the benchmark and prints a Markdown table to {@code out}.
   *
   * @return 0 on success, 1 if engines disagreed on an output, 2 if no kernel module was found
   */
  public static int run(PrintStream out, BenchOptions opts) {
    return run(out, opts, null);
  }

  /**
   * Runs the benchmark, prints it, and puts each kernel's CPU medians into {@code kernels} (when not null) as
   * {@code {KERNEL: {ENGINE: {"cpuMs": …, "vsV8": …}}}}, engines by {@link Engine#id}.
   */
  public static int run(PrintStream out, BenchOptions opts, com.fasterxml.jackson.databind.node.ObjectNode kernels) {
    Path root = opts.root().toAbsolutePath().normalize();
    ExternalEngines external = new ExternalEngines(root);
    List<String> notes = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    boolean mismatch = false;
    out.printf(Locale.ROOT, "Sandbox benchmark: %d warm-up + %d timed runs per cell (median), scale %s%n",
        opts.warmup(), opts.runs(), opts.scale());
    out.printf(Locale.ROOT, "JVM %s on %d cores; %s%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
        opts.v8() ? external.nodeVersion() : "V8 not run");
    out.println(SandboxTable.loadAverage());
    if (opts.warmup() < 3) {
      out.println("note: fewer than 3 warm-up runs: the JIT has not settled, so times are not steady-state");
    }
    for (Kernel k : KERNELS) {
      if (!opts.wants(k.name())) {
        continue;
      }
      Path path = k.modulePath(root);
      if (!Files.isRegularFile(path)) {
        notes.add(k.name() + ": " + root.relativize(path) + " not found (run services/build.sh); skipped");
        continue;
      }
      out.printf("%s…%n", k.name());
      out.flush();
      try {
        Row row = measure(k, path, opts, external, notes);
        mismatch |= row.mismatch;
        rows.add(row);
      } catch (Exception e) {
        notes.add(k.name() + ": failed: " + e);
      }
    }
    if (rows.isEmpty()) {
      notes.forEach(n -> out.println("note: " + n));
      return 2;
    }
    SandboxTable.print(out, rows, notes);
    if (kernels != null) {
      rows.forEach(row -> SandboxTable.summarize(row, kernels.putObject(row.kernel.name())));
    }
    return mismatch ? 1 : 0;
  }


  private static Row measure(Kernel k, Path path, BenchOptions opts, ExternalEngines external, List<String> notes)
      throws Exception {
    long n = k.scaled(opts.scale());
    int runs = opts.runs() * k.runsFactor();
    int warmup = opts.warmup() * k.runsFactor();
    Row row = new Row(k, n);
    byte[] wasm = Files.readAllBytes(path);
    long t0 = System.nanoTime();
    Instrumented inst = Instrumenter.instrument(wasm, InstrumentOptions.all());
    row.instrumentMs = (System.nanoTime() - t0) / 1e6;
    row.inputBytes = wasm.length;
    row.outputBytes = inst.wasm().length;
    String request = k.request(n);

    WasmModule plain = Parser.parse(wasm);
    WasmModule metered = Parser.parse(inst.wasm());
    Function<Instance, Machine> plainCompiled = MachineFactoryCompiler.compile(plain);
    Function<Instance, Machine> meteredCompiled = MachineFactoryCompiler.compile(metered);

    // Metered and unmetered runs alternate, so that load from elsewhere on the machine hits both alike.
    // Tandem's column runs as a node does: through the sandbox's Chicory engine, from the memory snapshot.
    EngineModule asNode = Engines.create(Engines.DEFAULT, true).prepare(new PreparedModule(inst.wasm(), metered,
        metered.memorySection().get().getMemory(0).limits()));
    Variant node = new Variant(metered, meteredCompiled, true, asNode);
    Timed[] pair = ChicoryRuns.time(List.of(node, new Variant(plain, plainCompiled, false)), request, warmup, runs);
    row.instantiation = ChicoryRuns.instantiation(node, warmup, runs);
    Timed tandem = pair[0];
    Timed chicory = pair[1];
    row.put(Engine.TANDEM, tandem.ms(), tandem.cpuMs());
    row.put(Engine.CHICORY, chicory.ms(), chicory.cpuMs());
    row.cpuOverhead = median(tandem.cpuMs()) / median(chicory.cpuMs());
    row.fuel = tandem.fuel();
    String expected = tandem.output();
    row.mismatch |= check(notes, k, Engine.CHICORY, expected, chicory.output());

    if (opts.graalwasm()) {
      GraalWasmRuns.Result g = GraalWasmRuns.time(inst.wasm(), request, opts.graalWarmup(), runs);
      row.put(Engine.GRAALWASM, g.ms(), g.cpuMs());
      row.graalColdMs = g.coldMs();
      row.graalWarmupRuns = g.warmupRuns();
      row.graalOptimizing = g.optimizing();
      row.mismatch |= check(notes, k, Engine.GRAALWASM, expected, g.output());
      if (g.fuel() != row.fuel) {
        notes.add(k.name() + ": fuel on GraalWasm " + g.fuel() + " differs from Chicory's " + row.fuel);
        row.mismatch = true;
      }
    }

    if (opts.interpreter()) {
      long small = n == 0 ? 0 : Math.max(1, n / k.interpreterDivisor());
      if (k.name().equals("matmul")) {
        small = Math.max(1, Math.round(n / Math.cbrt(k.interpreterDivisor())));
      }
      String smallRequest = k.request(small);
      Timed smallFuel =
          ChicoryRuns.time(List.of(new Variant(metered, meteredCompiled, true)), smallRequest, 0, 1)[0];
      int interpRuns = Math.max(3, runs / 2);
      Timed interp = ChicoryRuns.time(List.of(new Variant(plain, null, false)), smallRequest,
          Math.min(warmup, 2), interpRuns)[0];
      double factor = (double) tandem.fuel() / smallFuel.fuel();
      row.put(Engine.INTERPRETER, interp.ms(), interp.cpuMs(), factor);
      if (small != n) {
        row.mismatch |= check(notes, k, Engine.INTERPRETER, smallFuel.output(), interp.output());
      } else {
        row.mismatch |= check(notes, k, Engine.INTERPRETER, expected, interp.output());
      }
    }

    if (opts.v8()) {
      ExternalEngines.Result v8 = external.v8(path, request, warmup, runs, -1);
      if (v8 == null) {
        notes.add(k.name() + ": V8 skipped (" + external.lastProblem() + ")");
      } else {
        row.put(Engine.V8, v8.ms(), v8.cpuMs());
        row.mismatch |= check(notes, k, Engine.V8, expected, v8.output());
        // The same instrumented module on V8 must count exactly the same fuel: the count is the module's own.
        // Timed too: against it, Tandem's engines are compared with V8 doing the same work (metering included).
        Path instrumented = external.scratchFile(k.name() + "-metered.wasm", inst.wasm());
        ExternalEngines.Result v8Metered = external.v8(instrumented, request, warmup, runs, V8_BUDGET);
        row.v8Fuel = v8Metered == null ? -1 : v8Metered.fuel();
        if (v8Metered != null) {
          row.put(Engine.V8_METERED, v8Metered.ms(), v8Metered.cpuMs());
          row.mismatch |= check(notes, k, Engine.V8_METERED, expected, v8Metered.output());
          if (row.v8Fuel != row.fuel) {
            notes.add(k.name() + ": fuel on V8 " + row.v8Fuel + " differs from Chicory's " + row.fuel);
            row.mismatch = true;
          }
        }
      }
    }

    if (opts.nativeCode() && k.nativeSource() != null) {
      ExternalEngines.Result nat = external.nativeKernel(k.name(), k.nativeSource(), n, runs);
      if (nat == null) {
        notes.add(k.name() + ": native skipped (" + external.lastProblem() + ")");
      } else {
        row.put(Engine.NATIVE, nat.ms(), nat.cpuMs());
        String checksum = checksum(expected);
        if (checksum != null && !checksum.equals(nat.output())) {
          notes.add(k.name() + ": native checksum " + nat.output() + " differs from Wasm " + checksum);
          row.mismatch = true;
        }
      }
    }
    return row;
  }

  private static boolean check(List<String> notes, Kernel k, Engine e, String expected, String actual) {
    if (expected.equals(actual)) {
      return false;
    }
    notes.add(k.name() + ": " + e.title + " output differs: " + abbreviate(actual) + " vs " + abbreviate(expected));
    return true;
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  static String checksum(String output) {
    int i = output.indexOf("\"checksum\":\"");
    return i < 0 ? null : output.substring(i + 12, i + 28);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  static double geoMean(List<Double> values) {
    double sum = 0;
    int count = 0;
    for (double v : values) {
      if (v > 0 && Double.isFinite(v)) {
        sum += Math.log(v);
        count++;
      }
    }
    return count == 0 ? Double.NaN : Math.exp(sum / count);
  }

}
