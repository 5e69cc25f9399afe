package dev.tandem.cli.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code tandem node} in its own JVM, so a test can SIGKILL it; started by a {@link NodeLauncher}, possibly through
 * {@code ip netns exec NS} (which execs, so the process held here is the JVM itself). Output goes to a log file that is
 * appended to across restarts: the banner is read from it, and its tail explains a failure.
 *
 * @param process the JVM
 * @param url     where it listens, from its banner
 * @param key     its public key, from its banner
 * @param log     its output
 */
record NodeJvm(Process process, URI url, String key, Path log) implements AutoCloseable {
  /** Starts {@code tandem node --data-dir DATA ARGS...} as {@code launcher} says and waits for its banner. */
  static NodeJvm start(NodeLauncher launcher, Path dataDir, Path log, Duration timeout, String... args)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
    all.addAll(List.of(args));
    List<String> cmd = launcher.command(all);
    Files.createDirectories(log.getParent());
    Files.writeString(log, "---- start " + String.join(" ", args) + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    long from = Files.size(log);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String banner = banner(log, from);
      if (banner != null) {
        // "node ed25519:KEY listening at URL"
        String[] parts = banner.split(" ");
        return new NodeJvm(p, URI.create(parts[parts.length - 1]), parts[1], log);
      }
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String why = p.isAlive() ? "no banner within " + timeout.toSeconds() + " s" : "exit " + p.exitValue();
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("node did not start (" + why + "); its output:\n" + tail(log, 40));
      }
      Thread.sleep(10);
    }
  }

  /** The banner line, once it is complete (ends with a newline), in what was logged after {@code from}. */
  private static String banner(Path log, long from) throws IOException {
    byte[] bytes;
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      f.seek(from);
      bytes = new byte[(int) Math.max(0, f.length() - from)];
      f.readFully(bytes);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    for (String line : end < 0 ? new String[0] : text.substring(0, end).split("\n")) {
      if (line.startsWith("node ed25519:") && line.contains(" listening at ")) {
        return line.trim();
      }
    }
    return null;
  }

  /** The last {@code lines} lines of the log. */
  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGKILL: no shutdown hook, no close, no flush. Returns once the process is gone. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node " + key + " survived SIGKILL for 10 s");
    }
  }

  /** SIGTERM, then SIGKILL after 15 s. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
