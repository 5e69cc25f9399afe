package dev.tandem.bench.sandbox;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.meter.InstrumentOptions;
import dev.tandem.sandbox.meter.Instrumented;
import dev.tandem.sandbox.meter.Instrumenter;
import dev.tandem.sandbox.meter.MeterAbi;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code tandem bench sandbox}: the same kernels on Tandem's metered engine and on the engines it is compared to.
 *
 * <p>Engines: Tandem (instrumented module, Chicory compiled), Chicory compiled without metering, Chicory's
 * interpreter (at a reduced n; its time is scaled up by the ratio of fuel at full and reduced n, which is the
 * ratio of instructions executed), V8 through Node, and the kernel's C compiled natively with gcc -O2. Every
 * Wasm run is a fresh instance, as in production; compilation happens once, before the warm-up. Each cell is the
 * median of the timed runs, in CPU time (the calling thread's on the JVM, the whole process's for V8 and native
 * code), because on a shared machine wall-clock time also counts whatever else runs; wall-clock medians are
 * printed too. Outputs are compared across engines, and so is the fuel the instrumented module counts on V8;
 * a mismatch fails the benchmark.
 */
public final class SandboxBenchmark {
  private SandboxBenchmark() {}

  /** Fuel budget for metered runs: large enough never to run out. */
  private static final long BUDGET = Long.MAX_VALUE / 2;
  private static final int MAX_PAGES = 4096;
  /** V8 receives the budget as a decimal string; any value above every kernel's use will do. */
  private static final long V8_BUDGET = 1L << 50;

  enum Engine {
    TANDEM("Tandem (metered)", "tandem-chicory"),
    GRAALWASM("Tandem on GraalWasm†", "tandem-graalwasm"),
    CHICORY("Chicory compiled", "chicory"),
    INTERPRETER("Chicory interp.*", "chicory-interpreter"),
    V8("V8 (Node)", "v8"),
    NATIVE("native gcc -O2", "native");

    final String title;
    /** The engine's name in {@code --json}. */
    final String id;

    Engine(String title, String id) {
      this.title = title;
      this.id = id;
    }
  }

  static final List<Kernel> KERNELS = List.of(
      new Kernel("hash", "services/bench/hash.wasm", "run", 50_000_000, 100, 1, "services/bench/hash.c"),
      new Kernel("sort", "services/bench/sort.wasm", "run", 1_000_000, 50, 1, "services/bench/sort.c"),
      new Kernel("matmul", "services/bench/matmul.wasm", "run", 400, 4, 1, "services/bench/matmul.c"),
      new Kernel("search", "services/search/search.wasm", "query", 0, 1, 10, null));

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
    out.println(loadAverage());
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
    printTable(out, rows, notes);
    if (kernels != null) {
      rows.forEach(row -> summarize(row, kernels.putObject(row.kernel.name())));
    }
    return mismatch ? 1 : 0;
  }

  private static void summarize(Row row, com.fasterxml.jackson.databind.node.ObjectNode kernel) {
    double v8 = row.get(row.cpu, Engine.V8);
    for (Engine e : Engine.values()) {
      double cpuMs = row.get(row.cpu, e);
      if (!Double.isNaN(cpuMs)) {
        var cell = kernel.putObject(e.id);
        cell.put("cpuMs", Math.round(cpuMs * 1000) / 1000.0);
        if (Double.isNaN(v8)) {
          cell.putNull("vsV8");
        } else {
          cell.put("vsV8", Math.round(cpuMs / v8 * 1000) / 1000.0);
        }
        if (e == Engine.GRAALWASM) {
          cell.put("firstCallMs", Math.round(row.graalColdMs * 10) / 10.0);
          cell.put("optimizing", row.graalOptimizing);
        }
      }
    }
  }

  /** Medians per engine for one kernel, in milliseconds (NaN = not run). */
  static final class Row {
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
    /** GraalWasm: the first call on a fresh engine (wall clock), the calls of its warm-up, JVMCI on or not. */
    double graalColdMs = Double.NaN;
    int graalWarmupRuns;
    boolean graalOptimizing;

    void put(Engine e, double[] wall, double[] cpuTime) {
      ms.put(e, median(wall));
      cpu.put(e, median(cpuTime));
    }

    void put(Engine e, double[] wall, double[] cpuTime, double factor) {
      ms.put(e, median(wall) * factor);
      cpu.put(e, median(cpuTime) * factor);
    }

    Row(Kernel kernel, long n) {
      this.kernel = kernel;
      this.n = n;
    }

    double get(Map<Engine, Double> which, Engine e) {
      return which.getOrDefault(e, Double.NaN);
    }
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
    Timed[] pair = timeChicory(List.of(new Variant(metered, meteredCompiled, true),
        new Variant(plain, plainCompiled, false)), request, warmup, runs);
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
      Timed smallFuel = timeChicory(List.of(new Variant(metered, meteredCompiled, true)), smallRequest, 0, 1)[0];
      int interpRuns = Math.max(3, runs / 2);
      Timed interp = timeChicory(List.of(new Variant(plain, null, false)), smallRequest, Math.min(warmup, 2),
          interpRuns)[0];
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
        Path instrumented = external.scratchFile(k.name() + "-metered.wasm", inst.wasm());
        ExternalEngines.Result v8Metered = external.v8(instrumented, request, 0, 1, V8_BUDGET);
        row.v8Fuel = v8Metered == null ? -1 : v8Metered.fuel();
        if (v8Metered != null && row.v8Fuel != row.fuel) {
          notes.add(k.name() + ": fuel on V8 " + row.v8Fuel + " differs from Chicory's " + row.fuel);
          row.mismatch = true;
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

  /** One module on one Chicory engine; {@code factory == null} means the interpreter. */
  record Variant(WasmModule module, Function<Instance, Machine> factory, boolean metered) {}

  /**
   * Times of one engine on one request (wall clock and this thread's CPU time), the last output, and (metered)
   * the fuel it used.
   */
  record Timed(double[] ms, double[] cpuMs, String output, long fuel) {}

  /** Runs {@code request} on fresh instances of each variant in turn, {@code warmup + runs} rounds. */
  private static Timed[] timeChicory(List<Variant> variants, String request, int warmup, int runs) {
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
        Instance.Builder b = Instance.builder(module).withMemoryLimits(new MemoryLimits(
            module.memorySection().get().getMemory(0).limits().initialPages(), MAX_PAGES));
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

  private static void printTable(PrintStream out, List<Row> rows, List<String> notes) {
    out.println();
    out.println("CPU milliseconds per call (median); in brackets the ratio to V8.");
    out.println();
    printTable(out, rows, true);
    out.println();
    out.println("Wall-clock milliseconds per call (median), for reference: on a loaded machine they include time the");
    out.println("OS gave to other processes.");
    out.println();
    printTable(out, rows, false);
    out.println();
    List<Double> overheads = new ArrayList<>();
    for (Row row : rows) {
      overheads.add(row.cpuOverhead);
    }
    StringBuilder per = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      per.append(String.format(Locale.ROOT, "%s%s %+.1f%%", i == 0 ? "" : ", ", rows.get(i).kernel.name(),
          (overheads.get(i) - 1) * 100));
    }
    out.printf(Locale.ROOT, "Metering overhead (Tandem metered / Chicory compiled, CPU time of alternating runs, "
        + "geo-mean): %+.1f%% (%s)%n",
        (geoMean(overheads) - 1) * 100, per);
    StringBuilder fuelCheck = new StringBuilder();
    for (Row row : rows) {
      if (row.v8Fuel >= 0) {
        fuelCheck.append(fuelCheck.isEmpty() ? "" : ", ").append(row.kernel.name())
            .append(row.v8Fuel == row.fuel ? " identical" : " DIFFERENT");
      }
    }
    if (!fuelCheck.isEmpty()) {
      out.println("Fuel of the instrumented module on V8 vs Chicory: " + fuelCheck);
    }
    for (Row row : rows) {
      out.printf(Locale.ROOT, "Instrumenting %s: %,d → %,d bytes in %.1f ms%n", row.kernel.name(), row.inputBytes,
          row.outputBytes, row.instrumentMs);
    }
    out.println("* interpreter measured at a reduced n and scaled by the fuel ratio (instructions executed).");
    for (Row row : rows) {
      if (!Double.isNaN(row.graalColdMs)) {
        out.printf(Locale.ROOT, "† GraalWasm %s: first call %.0f ms (fresh engine, module prepared in it), then %d "
            + "calls of warm-up before timing; %s%n", row.kernel.name(), row.graalColdMs, row.graalWarmupRuns,
            row.graalOptimizing ? "compiled by Graal through JVMCI" : "INTERPRETED ONLY (JVMCI is off)");
      }
    }
    notes.forEach(n -> out.println("note: " + n));
  }

  /** The machine's load when the run started: on a shared machine it says how far to trust the numbers. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return "load average at start: " + f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "load average: unknown";
    }
  }

  private static void printTable(PrintStream out, List<Row> rows, boolean cpuTime) {
    Engine[] engines = Engine.values();
    StringBuilder head = new StringBuilder("| kernel | n |");
    StringBuilder rule = new StringBuilder("|---|---:|");
    for (Engine e : engines) {
      head.append(' ').append(e.title).append(" |");
      rule.append("---:|");
    }
    if (cpuTime) {
      head.append(" fuel |");
      rule.append("---:|");
    }
    out.println(head);
    out.println(rule);
    Map<Engine, List<Double>> ratios = new EnumMap<>(Engine.class);
    for (Row row : rows) {
      Map<Engine, Double> times = cpuTime ? row.cpu : row.ms;
      StringBuilder line = new StringBuilder("| " + row.kernel.name() + " | "
          + (row.n == 0 ? "1 query" : String.format(Locale.ROOT, "%,d", row.n)) + " |");
      double v8 = row.get(times, Engine.V8);
      for (Engine e : engines) {
        double ms = row.get(times, e);
        if (Double.isNaN(ms)) {
          line.append(" – |");
          continue;
        }
        line.append(' ').append(formatMs(ms));
        if (!Double.isNaN(v8)) {
          double ratio = ms / v8;
          ratios.computeIfAbsent(e, x -> new ArrayList<>()).add(ratio);
          line.append(String.format(Locale.ROOT, " (%.2f×)", ratio));
        }
        line.append(" |");
      }
      if (cpuTime) {
        line.append(String.format(Locale.ROOT, " %,d |", row.fuel));
      }
      out.println(line);
    }
    StringBuilder geo = new StringBuilder("| **geo-mean vs V8** | |");
    for (Engine e : engines) {
      double g = geoMean(ratios.getOrDefault(e, List.of()));
      geo.append(Double.isNaN(g) ? " – |" : String.format(Locale.ROOT, " **%.2f×** |", g));
    }
    if (cpuTime) {
      geo.append(" |");
    }
    out.println(geo);
  }

  private static String formatMs(double ms) {
    return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms)
        : ms >= 10 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.2f", ms);
  }
}
