package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A long command's "running for N s" line: drawn on stderr in place, cleared before each line of output. */
class TickerTest {
  @Test
  void drawsAfterTheDelayAndClearsItsLineBeforeOutput() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Ticker ticker = new Ticker(new PrintStream(err, true, StandardCharsets.UTF_8), "bench",
        Duration.ofMillis(20), Duration.ofMillis(10))) {
      PrintStream wrapped = ticker.wrap(new PrintStream(out, true, StandardCharsets.UTF_8));
      long deadline = System.currentTimeMillis() + 10_000;
      while (!err.toString(StandardCharsets.UTF_8).contains("bench: running for") && System.currentTimeMillis()
          < deadline) {
        Thread.sleep(5);
      }
      wrapped.println("| table |");
    }
    String e = err.toString(StandardCharsets.UTF_8);
    assertThat(e).contains("\r\033[Kbench: running for 0 s");
    assertThat(e).endsWith("\r\033[K"); // cleared before the output and when closed
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("| table |" + System.lineSeparator());
  }

  @Test
  void offOutsideATerminalOrWhenQuiet() {
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    try (Ticker quiet = Ticker.onStderr("bench", true)) {
      assertThat(quiet.wrap(out)).isSameAs(out);
    }
  }
}
