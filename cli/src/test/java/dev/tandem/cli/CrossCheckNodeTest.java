package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on Chicory with {@code --cross-check-rate 1} runs every answer again on GraalWasm (the CLI carries both
 * engines): its metrics count the checks, and two correct engines never diverge. (The alarm itself, forced by an
 * engine that miscounts fuel, is checked by the node's CrossCheckTest.)
 */
class CrossCheckNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void everyAnswerIsCheckedOnTheOtherEngine() throws Exception {
    try (Node node = Node.start(NodeConfig.builder(dir).listen("127.0.0.1:0").crossCheckRate(1.0).build())) {
      byte[] wasm = Files.readAllBytes(TestPaths.repoRoot().resolve("services/echo/echo.wasm"));
      ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).home(node.url())
          .sign(KeyPair.generate());
      new NodeClient(node.url()).submit(echo, wasm);
      ObjectNode offer = Json.object();
      offer.put("service", echo.serviceId());
      new NodeClient(node.url(), Files.readString(dir.resolve("admin.token")).trim()).rpc("tandem_offer", offer);
      URI at = URI.create(node.url() + "/services/" + echo.serviceId());
      int answered = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (answered < 3 && System.nanoTime() < deadline) {
        String body = post(at, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"n\":" + answered + "}}");
        if (body.contains("\"result\"")) {
          answered++;
        } else {
          Thread.sleep(50);
        }
      }
      assertThat(answered).isEqualTo(3);
      // Checked after answering, on the other engine (GraalWasm starts at the first sample): wait for the count.
      long checksDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      String metrics = get(URI.create(node.url() + "/metrics"));
      while (metric(metrics, "tandem_cross_checks_total") < 3 && System.nanoTime() < checksDeadline) {
        Thread.sleep(200);
        metrics = get(URI.create(node.url() + "/metrics"));
      }
      assertThat(metric(metrics, "tandem_cross_checks_total")).as(metrics).isEqualTo(3);
      assertThat(metric(metrics, "tandem_engine_divergences_total")).isZero();
    }
  }

  private static double metric(String scrape, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static String post(URI uri, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
