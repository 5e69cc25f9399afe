package dev.tandem.bench.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Engines outside the JVM: V8 through {@code node}, and native builds of the kernels' C. */
final class ExternalEngines {
  private static final Pattern NATIVE_LINE = Pattern.compile("checksum=([0-9a-f]{16}) ns=(\\d+)");
  private static final Pattern CPU_LINE = Pattern.compile("cpu_us=(\\d+)");
  private static final long TIMEOUT_S = 600;

  private final Path root;
  private Path scratch;
  private String lastProblem = "";

  ExternalEngines(Path root) {
    this.root = root;
  }

  /**
   * Per-run wall-clock and CPU milliseconds, the output (V8: the response; native: the checksum) and, for a
   * metered V8 run, the fuel used (else -1).
   */
  record Result(double[] ms, double[] cpuMs, String output, long fuel) {}

  String lastProblem() {
    return lastProblem;
  }

  String nodeVersion() {
    try {
      return "node " + exec(List.of("node", "--version")).trim();
    } catch (IOException e) {
      return "node not found";
    }
  }

  private Path scratch() throws IOException {
    if (scratch == null) {
      scratch = Files.createTempDirectory("tandem-bench");
      scratch.toFile().deleteOnExit();
    }
    return scratch;
  }

  /** Writes bytes to a scratch file (e.g. an instrumented module for V8). */
  Path scratchFile(String name, byte[] bytes) throws IOException {
    return Files.write(scratch().resolve(name), bytes);
  }

  /**
   * Runs the module on V8 with this package's own runner script, so no other part of the tree is needed. With
   * {@code budget >= 0} the module must be instrumented; its fuel is set to the budget and the fuel used read back.
   */
  Result v8(Path module, String request, int warmup, int runs, long budget) {
    try {
      Path script = scratch().resolve("run-v8.mjs");
      if (!Files.exists(script)) {
        try (InputStream in = ExternalEngines.class.getResourceAsStream("/bench/run-v8.mjs")) {
          if (in == null) {
            lastProblem = "run-v8.mjs resource missing";
            return null;
          }
          Files.copy(in, script);
        }
      }
      List<String> command = new ArrayList<>(List.of("node", script.toString(), module.toString(), request,
          Integer.toString(warmup), Integer.toString(runs)));
      if (budget >= 0) {
        command.add(Long.toString(budget));
      }
      String json = exec(command);
      JsonNode node = new ObjectMapper().readTree(json);
      double[] ms = doubles(node.get("ms"));
      double[] cpuMs = doubles(node.get("cpuMs"));
      JsonNode fuel = node.get("fuel");
      return new Result(ms, cpuMs, node.get("output").asText(),
          fuel == null || fuel.isNull() ? -1 : fuel.asLong());
    } catch (IOException e) {
      lastProblem = "node: " + e.getMessage();
      return null;
    }
  }

  private static double[] doubles(JsonNode array) {
    double[] d = new double[array.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = array.get(i).asDouble();
    }
    return d;
  }

  /** Builds the CPU-time wrapper from this package's resources (once). */
  private Path cputime() throws IOException {
    Path binary = scratch().resolve("cputime");
    if (!Files.exists(binary)) {
      Path source = scratch().resolve("cputime.c");
      try (InputStream in = ExternalEngines.class.getResourceAsStream("/bench/cputime.c")) {
        if (in == null) {
          throw new IOException("cputime.c resource missing");
        }
        Files.copy(in, source);
      }
      exec(List.of("gcc", "-O2", "-o", binary.toString(), source.toString()));
    }
    return binary;
  }

  /**
   * Runs the kernel natively {@code runs} times (after one warm-up). Uses {@code services/bench/native/NAME} when
   * the services build made it, else builds {@code source} with {@code gcc -O2 -ffp-contract=off -DNATIVE} (the
   * flags of services/build.sh) into a scratch folder.
   * Wall time is what the binary reports for the kernel alone; CPU time is the whole process's (through a small
   * wait4 wrapper), so it includes start-up, well under a millisecond.
   */
  Result nativeKernel(String name, String source, long n, int runs) {
    try {
      Path binary = root.resolve("services/bench/native").resolve(name);
      if (!Files.isExecutable(binary)) {
        binary = scratch().resolve(name + "-native");
        if (!Files.exists(binary)) {
          exec(List.of("gcc", "-O2", "-ffp-contract=off", "-DNATIVE", "-o", binary.toString(),
              root.resolve(source).toString()));
        }
      }
      Path cputime = cputime();
      double[] ms = new double[runs];
      double[] cpuMs = new double[runs];
      String checksum = null;
      for (int r = -1; r < runs; r++) {
        String text = exec(List.of(cputime.toString(), binary.toString(), Long.toString(n)));
        Matcher m = NATIVE_LINE.matcher(text);
        Matcher c = CPU_LINE.matcher(text);
        if (!m.find() || !c.find()) {
          lastProblem = "unexpected output: " + text.trim();
          return null;
        }
        checksum = m.group(1);
        if (r >= 0) {
          ms[r] = Long.parseLong(m.group(2)) / 1e6;
          cpuMs[r] = Long.parseLong(c.group(1)) / 1e3;
        }
      }
      return new Result(ms, cpuMs, checksum, -1);
    } catch (IOException e) {
      lastProblem = e.getMessage();
      return null;
    }
  }

  private static String exec(List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
    Process p = pb.start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(command.get(0) + " timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IOException(command.get(0) + " exited " + p.exitValue() + ": " + text.trim());
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }
}
