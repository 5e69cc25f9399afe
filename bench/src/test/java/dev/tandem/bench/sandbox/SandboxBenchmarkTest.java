package dev.tandem.bench.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.bench.TestCheckout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SandboxBenchmarkTest {

  static Path root() {
    return TestCheckout.root();
  }

  @Test
  void statistics() {
    assertThat(SandboxBenchmark.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(SandboxBenchmark.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
    assertThat(SandboxBenchmark.geoMean(List.of(2.0, 8.0))).isCloseTo(4.0, within(1e-9));
    assertThat(SandboxBenchmark.geoMean(List.of())).isNaN();
    assertThat(SandboxBenchmark.checksum("{\"result\":{\"checksum\":\"0123456789abcdef\",\"n\":1}}"))
        .isEqualTo("0123456789abcdef");
  }

  @Test
  void missingModulesAreReportedNotFatal() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = SandboxBenchmark.run(new PrintStream(buf, true, StandardCharsets.UTF_8),
        new BenchOptions(Path.of("/nonexistent"), 0, 1, 1, List.of(), false, false, false));
    assertThat(rc).isEqualTo(2);
    assertThat(buf.toString(StandardCharsets.UTF_8)).contains("not found");
  }

  /** A tiny run of one kernel on the JVM engines: the table comes out and the engines agree. */
  @Test
  void smallRunProducesATable() {
    Path root = root();
    Assumptions.assumeTrue(Files.isRegularFile(root.resolve("services/bench/hash.wasm")), "hash.wasm not built");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = SandboxBenchmark.run(new PrintStream(buf, true, StandardCharsets.UTF_8),
        new BenchOptions(root, 0, 1, 0.0001, List.of("hash"), false, false, true));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(out).isZero();
    assertThat(out).contains("| hash |", "Metering overhead");
  }

  /**
   * search imports the tandem.input_* host functions (it reads an index given by CID when a call names one): every
   * engine links them, so the kernel runs and agrees everywhere, V8 included where Node is installed.
   */
  @Test
  void searchRunsOnEveryEngine() {
    Path root = root();
    Assumptions.assumeTrue(Files.isRegularFile(root.resolve("services/search/search.wasm")), "search.wasm not built");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = SandboxBenchmark.run(new PrintStream(buf, true, StandardCharsets.UTF_8),
        new BenchOptions(root, 0, 1, 0.0001, List.of("search"), true, false, true, true));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(out).isZero();
    assertThat(out).contains("| search |", "Instantiating search per call (CPU ms, median): data segments applied ")
        .doesNotContain("failed", "unknown import", "differs");
    String[] cells = out.lines().filter(l -> l.startsWith("| search |")).findFirst().orElseThrow().split("\\|");
    // Columns after kernel and n: Tandem (metered), Tandem on GraalWasm, Chicory compiled, Chicory's interpreter.
    assertThat(List.of(cells[3], cells[4], cells[5], cells[6])).as(out).noneMatch(c -> c.isBlank() || c.contains("–"));
    if (!out.contains("V8 skipped")) {
      // Then V8, and V8 on the metered module (timed, same output and fuel), with the split of the gap under the table.
      assertThat(List.of(cells[7], cells[8])).as(out).noneMatch(c -> c.isBlank() || c.contains("–"));
      assertThat(out).contains("‡ V8 running Tandem's metered module", "Tandem on GraalWasm† ");
    }
  }
}
