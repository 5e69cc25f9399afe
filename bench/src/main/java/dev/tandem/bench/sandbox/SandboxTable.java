package dev.tandem.bench.sandbox;

import dev.tandem.bench.sandbox.SandboxBenchmark.Engine;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** How {@link SandboxBenchmark} shows its rows: Markdown tables, the notes under them, and the {@code --json} cells. */
final class SandboxTable {
  private SandboxTable() {}

  static void summarize(Row row, com.fasterxml.jackson.databind.node.ObjectNode kernel) {
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
        double v8Metered = row.get(row.cpu, Engine.V8_METERED);
        if (e.metered && !Double.isNaN(v8Metered)) {
          cell.put("vsV8Metered", Math.round(cpuMs / v8Metered * 1000) / 1000.0);
        }
        if (e == Engine.GRAALWASM) {
          cell.put("firstCallMs", Math.round(row.graalColdMs * 10) / 10.0);
          cell.put("optimizing", row.graalOptimizing);
        }
      }
    }
  }

  static void print(PrintStream out, List<Row> rows, List<String> notes) {
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
        (SandboxBenchmark.geoMean(overheads) - 1) * 100, per);
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
    printMeteredV8(out, rows);
    for (Row row : rows) {
      out.printf(Locale.ROOT, "Instrumenting %s: %,d → %,d bytes in %.1f ms%n", row.kernel.name(), row.inputBytes,
          row.outputBytes, row.instrumentMs);
    }
    for (Row row : rows) {
      if (row.instantiation != null) {
        ChicoryRuns.Instantiation i = row.instantiation;
        out.printf(Locale.ROOT, "Instantiating %s per call (CPU ms, median): data segments applied %.3f, from the "
            + "memory snapshot %.3f (%.1f× less)%n", row.kernel.name(), i.segmentsMs(), i.snapshotMs(),
            i.segmentsMs() / i.snapshotMs());
      }
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

  /**
   * The ‡ note: what metering costs V8 itself, and Tandem's engines against V8 running the same metered module, which
   * splits a gap to plain V8 into the price of determinism (fuel, depth, NaNs) and the engine's own speed.
   */
  private static void printMeteredV8(PrintStream out, List<Row> rows) {
    List<Row> measured = rows.stream()
        .filter(r -> !Double.isNaN(r.get(r.cpu, Engine.V8)) && !Double.isNaN(r.get(r.cpu, Engine.V8_METERED)))
        .toList();
    if (measured.isEmpty()) {
      return;
    }
    StringBuilder per = new StringBuilder();
    for (Row row : measured) {
      per.append(per.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f×", row.kernel.name(),
          row.get(row.cpu, Engine.V8_METERED) / row.get(row.cpu, Engine.V8)));
    }
    List<Row> over = computeKernels(measured).isEmpty() ? measured : computeKernels(measured);
    StringBuilder against = new StringBuilder();
    for (Engine e : List.of(Engine.V8_METERED, Engine.TANDEM, Engine.GRAALWASM)) {
      List<Double> ratios = new ArrayList<>();
      for (Row row : over) {
        ratios.add(row.get(row.cpu, e) / row.get(row.cpu, e == Engine.V8_METERED ? Engine.V8 : Engine.V8_METERED));
      }
      double g = SandboxBenchmark.geoMean(ratios);
      if (!Double.isNaN(g)) {
        against.append(String.format(Locale.ROOT, e == Engine.V8_METERED ? "%2$.2f× plain V8"
            : "; %s %.2f× V8 metered", e.title, g));
      }
    }
    out.printf(Locale.ROOT, "‡ V8 running Tandem's metered module (fuel, call depth, NaN canonicalization) costs, per "
        + "kernel, %s of plain V8. CPU geo-mean over %s: V8 metered %s%n", per, names(over), against);
  }

  /** The machine's load when the run started: on a shared machine it says how far to trust the numbers. */
  static String loadAverage() {
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
          line.append(String.format(Locale.ROOT, " (%.2f×)", ratio));
        }
        line.append(" |");
      }
      if (cpuTime) {
        line.append(String.format(Locale.ROOT, " %,d |", row.fuel));
      }
      out.println(line);
    }
    List<Row> compute = computeKernels(rows);
    if (!compute.isEmpty() && compute.size() < rows.size()) {
      out.println(geoMeanLine("geo-mean vs V8, " + names(compute), compute, times(cpuTime), cpuTime));
    }
    out.println(geoMeanLine(compute.size() < rows.size() ? "geo-mean vs V8, all" : "geo-mean vs V8", rows,
        times(cpuTime), cpuTime));
  }

  private static Function<Row, Map<Engine, Double>> times(boolean cpuTime) {
    return row -> cpuTime ? row.cpu : row.ms;
  }

  private static String geoMeanLine(String title, List<Row> rows,
      Function<Row, Map<Engine, Double>> times, boolean cpuTime) {
    StringBuilder geo = new StringBuilder("| **" + title + "** | |");
    for (Engine e : Engine.values()) {
      List<Double> ratios = new ArrayList<>();
      for (Row row : rows) {
        ratios.add(row.get(times.apply(row), e) / row.get(times.apply(row), Engine.V8));
      }
      double g = SandboxBenchmark.geoMean(ratios);
      geo.append(Double.isNaN(g) ? " – |" : String.format(Locale.ROOT, " **%.2f×** |", g));
    }
    if (cpuTime) {
      geo.append(" |");
    }
    return geo.toString();
  }

  /**
   * The compute kernels (those with a native build: hash, sort, matmul), over which the speed target is set; search
   * is mostly instantiation and is shown apart.
   */
  static List<Row> computeKernels(List<Row> rows) {
    return rows.stream().filter(r -> r.kernel.nativeSource() != null).toList();
  }

  private static String names(List<Row> rows) {
    return String.join("/", rows.stream().map(r -> r.kernel.name()).toList());
  }

  private static String formatMs(double ms) {
    return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms)
        : ms >= 10 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.2f", ms);
  }
}
