package dev.tandem.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A node in its own JVM process ({@code tandem node ...}), so tests can kill it with SIGKILL. */
final class NodeProcess implements AutoCloseable {
  final Process process;
  final URI url;
  final String key;

  private NodeProcess(Process process, URI url, String key) {
    this.process = process;
    this.url = url;
    this.key = key;
  }

  static NodeProcess start(Path dataDir, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xss4m", "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node",
        "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:0"));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.PIPE).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> banner = CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("node ed25519:")) {
            String first = line;
            Thread drain = new Thread(() -> {
              try {
                while (out.readLine() != null) { /* keep the pipe from filling */ }
              } catch (IOException ignored) {
                // the process ended
              }
            });
            drain.setDaemon(true);
            drain.start();
            return first;
          }
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String line = banner.get(60, TimeUnit.SECONDS);
    if (line == null) {
      throw new IllegalStateException("node did not start (exit " + p.waitFor() + ")");
    }
    // "node ed25519:KEY listening at URL"
    String[] parts = line.split(" ");
    return new NodeProcess(p, URI.create(parts[parts.length - 1]), parts[1]);
  }

  void kill9() throws InterruptedException {
    process.destroyForcibly(); // SIGKILL on Linux: no shutdown hook runs
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
