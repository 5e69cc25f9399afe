package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs README's network by hand as a reader would: its {@code ./tandem node} lines as three node processes, then
 * every other line of the block in one shell that stops at the first failure. Only the ports (free ones of the same
 * pattern) and the data directories (in a temporary folder) differ from the page.
 */
class ReadmeNetworkTest {
  @TempDir Path work;

  @Test
  void theNetworkByHandRunsAsShown() throws Exception {
    String readme = Files.readString(Checkout.root().resolve("README.md"));
    Matcher m = Pattern.compile("A network by hand.*?```sh\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find()).as("README's network by hand").isTrue();
    String prefix = freePorts();
    String block = m.group(1).replace("127.0.0.1:740", "127.0.0.1:" + prefix)
        .replace("/tmp/n", work.resolve("n").toString());

    Path tandem = work.resolve("tandem");
    Files.writeString(tandem, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java")
        + "' -Xmx512m -Duser.home='" + work.resolve("home") + "' -cp '" + System.getProperty("java.class.path")
        + "' " + Main.class.getName() + " \"$@\"\n");
    Files.setPosixFilePermissions(tandem, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(work.resolve("services"), Checkout.root().resolve("services"));

    List<String> script = new ArrayList<>();
    List<Process> nodes = new ArrayList<>();
    try {
      for (String line : block.split("\n")) {
        if (line.startsWith("./tandem node ")) {
          nodes.add(new ProcessBuilder("sh", "-c", line).directory(work.toFile()).redirectErrorStream(true)
              .redirectOutput(work.resolve("node" + nodes.size() + ".log").toFile()).start());
        } else {
          script.add(line);
        }
      }
      assertThat(nodes).hasSize(3);
      for (int n = 1; n <= 3; n++) {
        awaitHealth(URI.create("http://127.0.0.1:" + prefix + n + "/health"));
      }
      Process shell = new ProcessBuilder("bash", "-euo", "pipefail", "-c", String.join("\n", script))
          .directory(work.toFile()).redirectErrorStream(true).start();
      String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(shell.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(shell.exitValue()).as(output).isZero();
      assertThat(output).as(output).containsPattern("[0-9a-f]{64}"); // the digest, verified
    } finally {
      for (Process p : nodes) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /** A port prefix P such that P1, P2 and P3 are free (the page's 7401–7403 may be taken on a shared machine). */
  static String freePorts() throws IOException {
    for (int p = 2000; p < 6553; p++) {
      int base = (p * 7919) % 4000 + 2000; // spread the tries over 20001–59993
      if (free(base * 10 + 1) && free(base * 10 + 2) && free(base * 10 + 3)) {
        return String.valueOf(base);
      }
    }
    throw new IOException("no three free ports");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitHealth(URI url) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("node at " + url + " did not start");
      }
      Thread.sleep(200);
    }
  }
}
