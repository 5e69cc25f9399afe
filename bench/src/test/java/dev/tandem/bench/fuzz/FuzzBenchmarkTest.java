package dev.tandem.bench.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bench.TestCheckout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FuzzBenchmarkTest {
  @Test
  void aShortRunCoversEveryKindAndFindsNothingOnAHealthyNode() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = FuzzBenchmark.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new FuzzBenchmark.Options(TestCheckout.root(), 1_500, 7));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("| /rpc body | 630 |").contains("| /services body | 630 |")
        .contains("| mutated record | 180 | 180 |").contains("| invalid module | 45 | 45 |")
        .contains("| refused record, valid module | 15 | 15 |").contains("1,500 cases in")
        .contains("answered 1 of 1 checks; 0 findings");
  }

  @Test
  void repliesThatAreNotJsonRpcAreFindings() {
    assertThat(judge("not json").problem()).startsWith("the reply is not JSON");
    assertThat(judge("{\"id\":1,\"result\":1}").problem()).startsWith("an answer without jsonrpc 2.0");
    assertThat(judge("{\"jsonrpc\":\"2.0\",\"id\":1}").problem()).startsWith("an answer with neither");
    assertThat(judge("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":\"x\"}}").problem())
        .startsWith("unknown error code -1");
    assertThat(judge("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"x\\n\\tat dev.X\"}}")
        .problem()).startsWith("a stack trace");
    FuzzBenchmark.Result refused = judge("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1},"
        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,\"message\":\"params.x\"}}]");
    assertThat(refused.problem()).isNull();
    assertThat(refused.refused()).isTrue();
    assertThat(judge("").problem()).isNull();
  }

  private static FuzzBenchmark.Result judge(String reply) {
    return FuzzBenchmark.judge(reply.getBytes(StandardCharsets.UTF_8));
  }
}
