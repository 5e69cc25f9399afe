package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code bench … --json}: a report's tables become JSON with numbers as numbers; the other lines go elsewhere. */
class BenchJsonTest {
  @Test
  void tablesBecomeRowsAndTheRestIsPassedOn() {
    String report = String.join("\n", "Network benchmark: 3 nodes", "measuring echo …", "",
        "Verified ÷ direct:", "", "| service | callers | calls/s | p50 ms | throughput |", "|---|---:|---:|---:|---:|",
        "| echo | 8 | 12,345 | 0.52 | 0.48× |", "| matrix | 1 | 98 | - | 1.00× |", "", "(wrk not found)", "");
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    ObjectNode out = BenchJson.of(report, new PrintStream(rest, true, StandardCharsets.UTF_8));
    assertThat(out.path("tables")).hasSize(1);
    var table = out.path("tables").get(0);
    assertThat(table.path("title").asText()).isEqualTo("Verified ÷ direct");
    assertThat(table.path("columns").toString()).isEqualTo("[\"service\",\"callers\",\"calls/s\",\"p50 ms\","
        + "\"throughput\"]");
    var echo = table.path("rows").get(0);
    assertThat(echo.path("service").asText()).isEqualTo("echo");
    assertThat(echo.path("calls/s").isIntegralNumber()).isTrue();
    assertThat(echo.path("calls/s").asLong()).isEqualTo(12_345);
    assertThat(echo.path("p50 ms").asDouble()).isEqualTo(0.52);
    assertThat(echo.path("throughput").asDouble()).isEqualTo(0.48);
    assertThat(table.path("rows").get(1).path("p50 ms").asText()).isEqualTo("-");
    assertThat(rest.toString(StandardCharsets.UTF_8)).contains("measuring echo …").contains("(wrk not found)")
        .doesNotContain("| echo");
  }
}
