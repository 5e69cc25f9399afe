package dev.tandem.sandbox.bench;

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
  private static final long TIMEOUT_S = 600;

  private final Path root;
  private Path scratch;
  private String lastProblem = "";

  ExternalEngines(Path root) {
    this.root = root;
  }

  /**
   * Per-run milliseconds, the output (V8: the response; native: the checksum) and, for a metered V8 run, the fuel
   * used (else -1).
   */
  record Result(double[] ms, String output, long fuel) {}

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
      double[] ms = new double[node.get("ms").size()];
      for (int i = 0; i < ms.length; i++) {
        ms[i] = node.get("ms").get(i).asDouble();
      }
      JsonNode fuel = node.get("fuel");
      return new Result(ms, node.get("output").asText(), fuel == null || fuel.isNull() ? -1 : fuel.asLong());
    } catch (IOException e) {
      lastProblem = "node: " + e.getMessage();
      return null;
    }
  }

  /**
   * Runs the kernel natively {@code runs} times (after one warm-up). Uses {@code services/bench/native/NAME} when
   * the services build made it, else builds {@code source} with {@code gcc -O2 -ffp-contract=off -DNATIVE} (the
   * flags of services/build.sh) into a scratch folder.
   * The binary reports its own elapsed time, so process start-up is not counted.
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
      double[] ms = new double[runs];
      String checksum = null;
      for (int r = -1; r < runs; r++) {
        String line = exec(List.of(binary.toString(), Long.toString(n)));
        Matcher m = NATIVE_LINE.matcher(line);
        if (!m.find()) {
          lastProblem = "unexpected output: " + line.trim();
          return null;
        }
        checksum = m.group(1);
        if (r >= 0) {
          ms[r] = Long.parseLong(m.group(2)) / 1e6;
        }
      }
      return new Result(ms, checksum, -1);
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
