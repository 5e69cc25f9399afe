package dev.tandem.bench.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class HeatBenchmarkTest {
  /** A short run of search: one row per engine, a median per slice, and whether calls moved. */
  @Test
  void aShortRunShowsEveryEngineOverTime() throws Exception {
    var root = SandboxBenchmarkTest.root();
    Assumptions.assumeTrue(Files.isRegularFile(root.resolve("services/search/search.wasm")), "search not built");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = HeatBenchmark.run(new PrintStream(buf, true, StandardCharsets.UTF_8),
        new HeatBenchmark.Options(root, List.of("search"), 2, 2));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(out).isZero();
    assertThat(out).contains("search (", "chicory ", "graalwasm alone ", "graalwasm by heat ", "≤1.00s", "≤2.00s");
    assertThat(out.lines().filter(l -> l.startsWith("graalwasm by heat")).findFirst().orElseThrow())
        .containsAnyOf("at ", "no (tier ");
  }
}
