package dev.tandem.bench.sandbox;

import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A module's life on a node, engine by engine: one caller calls a kernel back to back for a fixed time on a fresh
 * sandbox as a node makes it (tiered), and the table shows how fast the calls were in each slice of that time. On
 * Chicory; on GraalWasm alone (slow until it has compiled the module's hot code); and on GraalWasm tiered by heat,
 * as a node on GraalWasm runs it (Chicory until samples on GraalWasm are as fast, then GraalWasm).
 */
public final class HeatBenchmark {
  /** The engines compared: how the sandbox is built. */
  private enum Mode {
    CHICORY("chicory", "chicory", true),
    GRAALWASM("graalwasm alone", "graalwasm", false),
    HEAT("graalwasm by heat", "graalwasm", true);

    final String label;
    final String engine;
    final boolean tiered;

    Mode(String label, String engine, boolean tiered) {
      this.label = label;
      this.engine = engine;
      this.tiered = tiered;
    }
  }

  /**
   * @param root    the repository root
   * @param kernels kernel names; empty for hash, sort, matmul and search
   * @param seconds how long each engine is called, per kernel
   * @param slices  how many slices of that time the table shows
   */
  public record Options(Path root, List<String> kernels, int seconds, int slices) {
    public Options {
      if (seconds < 1 || slices < 1) {
        throw new IllegalArgumentException("seconds >= 1, slices >= 1");
      }
      kernels = List.copyOf(kernels);
    }
  }

  /** One run: the calls' end times and durations, and when calls moved to GraalWasm (-1: never). */
  private record Run(double[] endS, double[] ms, double movedAtS, String tierAtEnd) {}

  private HeatBenchmark() {}

  public static int run(PrintStream out, Options o) throws Exception {
    if (!dev.tandem.sandbox.Engines.available().contains("graalwasm")) {
      out.println("GraalWasm is not on the class path; nothing to compare");
      return 2;
    }
    out.printf(Locale.ROOT, "A module's first %d s on each engine: one caller, calls back to back, median ms per "
        + "call in each slice of %s s%n", o.seconds(), fmt(o.seconds() / (double) o.slices()));
    out.printf(Locale.ROOT, "JVM %s on %d cores; %s%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
        SandboxTable.loadAverage());
    Limits limits = Limits.builder().fuel(Long.MAX_VALUE / 4).memoryPages(4096)
        .timeout(Duration.ofMinutes(5)).build();
    for (Kernel k : SandboxBenchmark.KERNELS) {
      if (!o.kernels().isEmpty() && !o.kernels().contains(k.name())) {
        continue;
      }
      Path path = k.modulePath(o.root());
      if (!Files.isRegularFile(path)) {
        out.println(k.name() + ": " + path + " not found (run services/build.sh); skipped");
        continue;
      }
      byte[] wasm = Files.readAllBytes(path);
      byte[] request = k.request(k.n()).getBytes(StandardCharsets.UTF_8);
      out.printf(Locale.ROOT, "%n%s (%s)%n", k.name(), k.request(k.n()));
      StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-18s %8s %7s", "engine", "first ms",
          "calls"));
      for (int s = 1; s <= o.slices(); s++) {
        header.append(String.format(Locale.ROOT, " %8s", "≤" + fmt(o.seconds() * s / (double) o.slices()) + "s"));
      }
      out.println(header + "  moved to GraalWasm");
      String expected = null;
      for (Mode mode : Mode.values()) {
        Run r = measure(mode, wasm, request, limits, o.seconds());
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-18s %8s %7d", mode.label,
            fmt(r.ms()[0]), r.ms().length));
        for (int s = 0; s < o.slices(); s++) {
          double from = o.seconds() * s / (double) o.slices();
          double to = o.seconds() * (s + 1) / (double) o.slices();
          line.append(String.format(Locale.ROOT, " %8s", median(r, from, to)));
        }
        line.append("  ").append(mode == Mode.HEAT
            ? (r.movedAtS() < 0 ? "no (tier " + r.tierAtEnd() + ")" : "at " + fmt(r.movedAtS()) + " s") : "–");
        out.println(line);
        out.flush();
      }
    }
    return 0;
  }

  private static Run measure(Mode mode, byte[] wasm, byte[] request, Limits limits, int seconds) {
    List<double[]> calls = new ArrayList<>();
    double moved = -1;
    String tier;
    try (Sandbox sandbox = Sandbox.builder().engine(mode.engine).tiered(mode.tiered).build()) {
      long start = System.nanoTime();
      ServiceModule module;
      try {
        module = sandbox.load("heat-" + mode, wasm, Abi.TANDEM_V1);
      } catch (dev.tandem.sandbox.ModuleRejectedException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
      long until = start + Duration.ofSeconds(seconds).toNanos();
      long t = System.nanoTime();
      do {
        long t0 = t;
        Outcome outcome = sandbox.call(module, request, limits);
        t = System.nanoTime();
        if (!(outcome instanceof Outcome.Result)) {
          throw new IllegalStateException(mode.label + ": " + outcome.label() + " " + outcome);
        }
        calls.add(new double[] {(t - start) / 1e9, (t - t0) / 1e6});
        if (moved < 0 && mode == Mode.HEAT && "engine".equals(module.tier())) {
          moved = (t - start) / 1e9;
        }
      } while (t < until);
      tier = module.tier();
    }
    double[] end = calls.stream().mapToDouble(c -> c[0]).toArray();
    double[] ms = calls.stream().mapToDouble(c -> c[1]).toArray();
    return new Run(end, ms, moved, tier);
  }

  private static String median(Run r, double fromS, double toS) {
    double[] in = new double[r.ms().length];
    int n = 0;
    for (int i = 0; i < r.ms().length; i++) {
      if (r.endS()[i] > fromS && r.endS()[i] <= toS) {
        in[n++] = r.ms()[i];
      }
    }
    if (n == 0) {
      return "–";
    }
    double[] sorted = Arrays.copyOf(in, n);
    Arrays.sort(sorted);
    return fmt(sorted[n / 2]);
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }
}
