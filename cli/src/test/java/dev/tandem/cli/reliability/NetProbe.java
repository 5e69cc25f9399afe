package dev.tandem.cli.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bench.load.OpenLoop;
import dev.tandem.core.json.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client that lives in a network namespace and is driven from the test over stdin/stdout, one JSON object a line:
 * {@code {"url": …, "body": … | null, "timeoutMs": n}} in (a POST when there is a body, a GET otherwise), and
 * {@code {"status": n, "body": …, "ms": n}} or {@code {"error": kind, "message": …, "ms": n}} out. The test itself
 * stays in the host's namespace, where the nodes' addresses do not exist.
 */
public final class NetProbe {
  private NetProbe() {}

  public static void main(String[] args) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    System.setOut(new PrintStream(OutputStream.nullOutputStream())); // only answers on stdout
    out.println("{\"ready\":true}");
    String line;
    while ((line = in.readLine()) != null) {
      out.println(answer(http, Json.parse(line.getBytes(StandardCharsets.UTF_8))));
    }
  }

  private static String answer(HttpClient http, JsonNode q) {
    ObjectNode a = Json.object();
    long t0 = System.nanoTime();
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(q.path("url").asText()))
          .timeout(Duration.ofMillis(q.path("timeoutMs").asLong(5000)));
      if (q.path("body").isTextual()) {
        b.header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(q.path("body").asText(), StandardCharsets.UTF_8));
      }
      HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      a.put("status", res.statusCode());
      a.put("body", res.body());
    } catch (Exception e) {
      a.put("error", OpenLoop.classify(e));
      a.put("message", String.valueOf(e.getMessage()));
    }
    a.put("ms", (System.nanoTime() - t0) / 1_000_000);
    return a.toString();
  }
}
