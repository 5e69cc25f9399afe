package dev.tandem.cli.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The test's handle on a {@link NetProbe} running inside a namespace. One request at a time. */
final class Probe implements AutoCloseable {
  /**
   * One answer.
   *
   * @param status HTTP status, or 0 when there was no answer
   * @param body   the body, or null
   * @param error  what went wrong on the wire (see {@code OpenLoop.classify}), or null
   * @param ms     how long it took
   */
  record Reply(int status, String body, String error, long ms) {
    JsonNode json() throws Exception {
      return Json.parse(body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final Process process;
  private final BufferedReader in;
  private final PrintStream out;

  private Probe(Process process) {
    this.process = process;
    this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.out = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
  }

  static Probe start(List<String> prefix, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(NodeLauncher.FAST_START);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NetProbe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    Probe probe = new Probe(p);
    String first = probe.in.readLine();
    if (first == null || !first.contains("ready")) {
      p.destroyForcibly();
      throw new IOException("probe did not start; see " + log);
    }
    return probe;
  }

  synchronized Reply get(URI url, Duration timeout) throws Exception {
    return send(url, null, timeout);
  }

  synchronized Reply post(URI url, String body, Duration timeout) throws Exception {
    return send(url, body, timeout);
  }

  private Reply send(URI url, String body, Duration timeout) throws Exception {
    ObjectNode q = Json.object();
    q.put("url", url.toString());
    if (body != null) {
      q.put("body", body);
    }
    q.put("timeoutMs", timeout.toMillis());
    out.println(q);
    String line = in.readLine();
    if (line == null) {
      throw new IOException("the probe died");
    }
    JsonNode a = Json.parse(line.getBytes(StandardCharsets.UTF_8));
    return new Reply(a.path("status").asInt(0), a.hasNonNull("body") ? a.get("body").asText() : null,
        a.hasNonNull("error") ? a.get("error").asText() + ": " + a.path("message").asText() : null,
        a.path("ms").asLong());
  }

  @Override
  public void close() throws InterruptedException {
    out.close();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
