package dev.tandem.bench.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bench.TestCheckout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NetworkBenchmarkTest {
  @Test
  void shortRunPrintsBothTablesWithoutErrors() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = NetworkBenchmark.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new NetworkBenchmark.Options(TestCheckout.root(), 2, 1, 2, false));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("| echo | direct, 1 node | 1 |").contains("| echo | verified, 2 nodes | 2 |")
        .contains("| search | verified, 2 nodes |").contains("| echo | spot-checked 1 in 10, 2 nodes | 2 |")
        .contains("| echo | two direct at once, 2 nodes | 1 |").contains("| echo | two direct at once | 1 |")
        .contains("Verified ÷ direct")
        .contains("| Java HttpClient | 2 |");
  }

  @Test
  void overAnEmulatedNetworkItComparesDirectVerifiedAndHedgedCalls() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = DelayedNetworkBenchmark.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new DelayedNetworkBenchmark.Options(TestCheckout.root(), 3, 1, 1, 5, 2));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("+5 ± 2 ms").containsPattern("\\| echo \\| direct, 1 node \\| [0-9,]+ \\| .* \\| 1.00× \\| 1.00× \\|")
        .contains("| echo | verified, 2 nodes |").contains("| search | hedged, 2 of 3 nodes |");
  }

  @Test
  void aFreshNodeAnswersItsFirstCallOfAModuleItNeverSaw() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = ColdCallBenchmark.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new ColdCallBenchmark.Options(TestCheckout.root(), "chicory", 1));
    String out = bytes.toString(StandardCharsets.UTF_8);
    // 0 or 1: met or missed the target on this machine; 2 would be no answer at all.
    assertThat(code).as(out).isIn(0, 1);
    assertThat(out).containsPattern("\\| 1 \\| [0-9]+ \\| [0-9.]+ \\|").contains("first call")
        .contains("| cold call, offer → first answer (chicory) |");
  }

  @Test
  void readsWrkPercentiles() {
    String out = """
          Latency Distribution
             50%  710.00us
             75%    1.02ms
             90%    2.50ms
             99%   88.68ms
        """;
    assertThat(NetworkBenchmark.wrkPercentile(out, "50")).isEqualTo(0.71);
    assertThat(NetworkBenchmark.wrkPercentile(out, "99")).isEqualTo(88.68);
    assertThat(NetworkBenchmark.wrkPercentile(out, "95")).isNaN();
  }
}
