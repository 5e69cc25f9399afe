package dev.tandem.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.Main;
import dev.tandem.bench.load.EchoTarget;
import dev.tandem.bench.load.LoadBenchmark;
import dev.tandem.bench.load.LoadReport;
import dev.tandem.bench.load.OpenLoop;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bounded load: {@code tandem bench load} against three in-process nodes. Far past what the nodes can serve, with one
 * concurrent call per service allowed, every request must still be answered within the client's bound, and the only
 * errors must be the explicit, unattested {@code -32000 overloaded}: no timeouts, no 5xx, no resets, no refusals.
 */
class LoadBenchTest {
  static Path checkout() {
    Path p = Path.of("").toAbsolutePath();
    while (!Files.isRegularFile(p.resolve("services/echo/echo.wasm"))) {
      p = p.getParent();
    }
    return p;
  }

  /**
   * Starts at 250 requests/s and doubles the rate until the nodes are overloaded (a busy machine is overloaded
   * early, a fast one later), so the load generator itself is never starved of CPU. Every run must meet the same
   * bound.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void overloadIsAnsweredWithTheExplicitOverloadErrorOnly() throws Exception {
    Duration timeout = Duration.ofSeconds(5);
    boolean overloaded = false;
    for (int rate = 250; rate <= 8000 && !overloaded; rate *= 2) {
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      LoadReport r = LoadBenchmark.run(new PrintStream(text, true, StandardCharsets.UTF_8),
          new LoadBenchmark.Options(checkout(), 3, 5, rate, 1, timeout, 4000, 1));
      System.out.println(text.toString(StandardCharsets.UTF_8));
      assertThat(r.kinds().keySet()).as("outcomes at %d/s", rate).allMatch(k -> k.equals(LoadReport.OK)
          || EchoTarget.OVERLOAD.contains(k));
      assertThat(r.ok()).as("ok answers").isPositive();
      // Every scheduled request was sent and answered, none later than the client's bound.
      assertThat(r.sent()).isEqualTo(r.scheduled());
      assertThat(r.okNanos().length + r.errorNanos().length).isEqualTo(r.scheduled());
      // maxMs is NaN when a list is empty (no errors at a rate the nodes keep up with): nothing to bound then.
      if (r.errorNanos().length > 0) {
        assertThat(LoadReport.maxMs(r.errorNanos())).isLessThan(timeout.toMillis());
      }
      assertThat(LoadReport.maxMs(r.okNanos())).isLessThan(timeout.toMillis());
      overloaded = r.kinds().getOrDefault("rpc -32000", 0L) > 0;
    }
    assertThat(overloaded).as("the nodes answered -32000 at some rate").isTrue();
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void theCommandReportsRateLatencyAndErrorsByKind() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      exit = Main.commandLine().execute("bench", "load", "--seconds", "2", "--rate", "100", "--warmup", "0");
    } finally {
      System.setOut(saved);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    System.out.println(report);
    assertThat(exit).as(report).isZero();
    assertThat(report).contains("| offered/s |", "| 100 | 200 | 200 | 200 |", "| answers | count | p50 | p90 | p99 | max |",
        "| ok | 200 | 100.0% |");
  }

  @Test
  void failuresToGetAnAnswerAreNamedByWhatHappenedOnTheWire() {
    assertThat(OpenLoop.classify(new java.net.http.HttpTimeoutException("t"))).isEqualTo("timeout");
    assertThat(OpenLoop.classify(new java.net.http.HttpConnectTimeoutException("t"))).isEqualTo("connect timeout");
    assertThat(OpenLoop.classify(new java.io.IOException(new java.net.ConnectException("refused"))))
        .isEqualTo("connection refused");
    assertThat(OpenLoop.classify(new java.io.IOException("Connection reset by peer"))).isEqualTo("connection reset");
    assertThat(OpenLoop.classify(new java.io.EOFException("EOF reached while reading")))
        .isEqualTo("connection closed");
  }
}
