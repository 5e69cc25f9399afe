package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem demo --exit}: a whole run, its summary and exit code, and every port freed afterwards. */
class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void shortRunPassesEveryCheckAndFreesItsPorts() throws Exception {
    int base = freeRun(4);
    Path dir = tmp.resolve("demo");
    CliTest.Run r = CliTest.run("demo", "--exit", "--calls", "40", "--dir", dir.toString(), "--base-port",
        String.valueOf(base), "--node-log", "-");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("Tandem demo: 4 nodes (1 lying), 3 services, 40 calls")
        .containsPattern("verified\\s+40")
        .containsPattern("wrong results\\s+0 ")
        .containsPattern("D convicted at call \\d+")
        .contains("search and whisper have none")
        .containsPattern("conflicts\\s+[1-9]\\d* \\(calls whose signed answers disagreed\\), settled by the referee "
            + "\\(re-run here\\) [1-9]")
        .contains("(convicted by A: D; their offers count for nothing)")
        .containsPattern("\\n    [A-C]  D .*D convicted: not counted\\n")
        .doesNotContainPattern("\\n    [A-C]  D .*balanced\\n")
        .contains("reciprocity")
        .contains("dashboard            http://127.0.0.1:" + base + "/")
        .contains("[ok]     every liar was convicted")
        .contains("[ok]     every honest node convicted each caught liar from the evidence")
        .doesNotContain("[FAILED]");
    assertThat(Files.exists(dir.resolve(".tandem-demo"))).isTrue();
    for (int i = 0; i < 4; i++) {
      try (ServerSocket s = new ServerSocket(base + i, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(base + i); // nothing left bound
      }
    }
  }

  @Test
  void jsonGivesScriptsTheSummaryAndTheChecks() throws Exception {
    CliTest.Run r = CliTest.run("demo", "--exit", "--json", "--calls", "10", "--dir", tmp.resolve("json").toString(),
        "--node-log", "-");
    var out = dev.tandem.core.json.Json.parse(r.out()); // stdout is the JSON object alone
    assertThat(r.code()).as(r.err()).isEqualTo(out.path("passed").asBoolean() ? 0 : 1); // 10 calls may miss the liar
    assertThat(out.path("calls").asInt()).isEqualTo(10);
    assertThat(out.path("verified").asInt()).isEqualTo(10);
    assertThat(out.path("wrong").asInt()).isZero();
    assertThat(out.path("servers").size()).isEqualTo(4);
    assertThat(out.path("servers").get(3).path("liar").asBoolean()).isTrue();
    assertThat(out.path("checks").size()).isGreaterThanOrEqualTo(4);
    assertThat(out.path("dashboardStaysUp").asBoolean()).isFalse();
  }

  @Test
  void refusesToWipeAFolderItDidNotMake() throws Exception {
    Path precious = tmp.resolve("precious");
    Files.createDirectories(precious);
    Files.writeString(precious.resolve("notes.txt"), "keep me");
    CliTest.Run r = CliTest.run("demo", "--exit", "--dir", precious.toString(), "--node-log", "-");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("refusing to wipe");
    assertThat(Files.readString(precious.resolve("notes.txt"))).isEqualTo("keep me");
  }

  @Test
  void badCountsAreOneClearLine() {
    CliTest.Run r = CliTest.run("demo", "--exit", "--nodes", "4", "--liars", "3", "--dir",
        tmp.resolve("x").toString(), "--node-log", "-");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--liars must be 0 to 1").doesNotContain("Exception");
  }

  /** The first of {@code n} consecutive ports that are free now. */
  static int freeRun(int n) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      List<ServerSocket> held = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          held.add(new ServerSocket(base + i, 1, InetAddress.getLoopbackAddress()));
        }
        return base;
      } catch (IOException taken) {
        // try another range
      } finally {
        for (ServerSocket s : held) {
          s.close();
        }
      }
    }
    throw new IOException("no " + n + " consecutive free ports found");
  }
}
