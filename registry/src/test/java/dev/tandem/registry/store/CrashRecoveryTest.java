package dev.tandem.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.registry.TestRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that is writing to the registry (SIGKILL: no shutdown hook, no close, no flush) and checks that
 * every record it acknowledged is in the file, and that the file is sound.
 */
class CrashRecoveryTest {
  /** Acknowledged records to wait for before the kill: enough to land mid-stream, not so many the test drags. */
  private static final int ACKS_BEFORE_KILL = 60;

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyAcknowledgedRecordSurvivesAKill() throws Exception {
    Path db = dir.resolve("crash.db");
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path out = dir.resolve("child.out");
    // stdout goes to a file rather than a pipe: the lines the child wrote before it died stay readable after the
    // kill (Process.destroyForcibly closes the pipes), and nothing the child wrote can be lost on our side.
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashWriter.class.getName(), db.toString())
        .redirectOutput(out.toFile())
        .redirectError(dir.resolve("child.err").toFile())
        .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acknowledged(out).size() < ACKS_BEFORE_KILL) {
        assertThat(child.isAlive()).as("child exited early; stderr: %s", stderr()).isTrue();
        assertThat(System.nanoTime() - deadline).as("child too slow; stderr: %s", stderr()).isNegative();
        Thread.sleep(10);
      }
      child.destroyForcibly(); // SIGKILL on Unix: no shutdown hook, no close
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    // Everything the child printed before it died was acknowledged, including lines written after we asked.
    List<String> acked = acknowledged(out);
    assertThat(acked).as("child output; stderr: %s", stderr()).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
    assertThat(child.exitValue()).isNotZero();

    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = raw.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("ok");
    }
    try (SqliteRegistry r = SqliteRegistry.open(db)) {
      long lastServerSeq = 0;
      for (String line : acked) {
        String[] parts = line.split(" ");
        switch (parts[0]) {
          case "service" -> assertThat(r.service(parts[1])).as("acknowledged service %s", parts[1]).isPresent();
          case "server" -> lastServerSeq = Long.parseLong(parts[1]);
          default -> throw new AssertionError("unexpected child output: " + line);
        }
      }
      assertThat(r.server(TestRecords.key(2).publicKey())).isPresent();
      assertThat(r.server(TestRecords.key(2).publicKey()).get().seq()).isGreaterThanOrEqualTo(lastServerSeq);
    }
  }

  /** The complete lines of the child's output but "ready"; a line cut by the kill (no newline yet) is no ack. */
  private static List<String> acknowledged(Path out) throws IOException {
    String text = Files.readString(out, StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    lines.removeLast(); // the text after the last newline: empty, or a line the kill cut short
    lines.remove("ready");
    return lines;
  }

  private String stderr() {
    try {
      return Files.readString(dir.resolve("child.err"));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
