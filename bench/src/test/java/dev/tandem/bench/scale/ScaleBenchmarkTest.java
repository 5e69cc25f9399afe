package dev.tandem.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScaleBenchmarkTest {
  @Test
  void shortRunPrintsTheLookupAndGossipTables() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = ScaleBenchmark.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new ScaleBenchmark.Options(60, 12, 3, 6, 0.05, 1));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("| registry: service by id |").contains("| registry: servers offering a service |")
        .contains("| client on the registry: service by name + choose 3 servers |")
        .contains("| client on pulled records: service by id + choose 2 servers |")
        .containsPattern("\\| 6 \\| 16 \\| 2 \\| 2000 ms \\| [0-9.]+ s \\|");
  }
}
