package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.TandemClient;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.guard.Limit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload on a real node: far more calls at once than it takes. Every call is answered (no time-outs), either with
 * the echoed params or at once with 503 / -32000 overloaded; the node never hangs and serves verified calls after.
 */
class OverloadTest {
  static final int BURST = 600;
  @TempDir Path dir;

  @Test
  void pastSaturationCallsAreRefusedFastWithMinus32000AndTheNodeRecovers() throws Exception {
    try (TestNetwork net = new TestNetwork(dir)) {
      // One address sends the whole burst: the per-address cap is raised so that the queue limit is what answers.
      Node a = Node.start(NodeConfig.builder(dir.resolve("a")).listen("127.0.0.1:0")
          .gossipInterval(Duration.ofMillis(150)).limit(Limit.MAX_QUEUED_REQUESTS, 16)
          .limit(Limit.MAX_CONNECTIONS_PER_ADDRESS, 4096).build());
      net.nodes.add(a);
      Node b = net.start("b", List.of(a.url()), dev.tandem.node.fault.Fault.NONE);
      var echo = TestNetwork.offerEcho("echo", KeyPair.generate(), a, List.of(a, b));
      TestNetwork.await("echo ready on a", Duration.ofSeconds(30),
          () -> a.hosting().ready(echo.serviceId()).isPresent());
      URI target = URI.create(a.url() + "/services/" + echo.serviceId());
      Map<String, Integer> kinds = new TreeMap<>();
      List<Long> refusalMs = new ArrayList<>();
      try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build()) {
        List<CompletableFuture<String>> answers = new ArrayList<>();
        List<long[]> timings = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
          String body = "{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"echo\",\"params\":[" + i + "]}";
          long[] t = {System.nanoTime(), 0};
          timings.add(t);
          answers.add(http.sendAsync(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(20))
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
              .thenApply(r -> {
                t[1] = System.nanoTime();
                return kind(r);
              }).exceptionally(e -> "failed " + e.getClass().getSimpleName()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < BURST; i++) {
          String kind = answers.get(i).join();
          kinds.merge(kind, 1, Integer::sum);
          if (kind.equals("503 -32000")) {
            refusalMs.add((timings.get(i)[1] - timings.get(i)[0]) / 1_000_000); // connecting included
          }
        }
      }
      java.util.Collections.sort(refusalMs);
      System.out.println("overload burst of " + BURST + ": " + kinds + "; refusals after " + (refusalMs.isEmpty() ? "-"
          : refusalMs.get(refusalMs.size() / 2) + " ms (median), " + refusalMs.getLast() + " ms (slowest)"));
      assertThat(kinds.keySet()).as("every call is answered: echoed or refused as overloaded")
          .isSubsetOf("ok", "503 -32000");
      assertThat(kinds).containsKey("503 -32000").containsKey("ok");
      // Recovery: the node serves verified calls once the burst is over.
      JsonNode params = Json.parse("{\"after\":true}");
      try (TandemClient client = TandemClient.builder().bootstrap(List.of(a.url())).build()) {
        assertThat(client.service("echo").call("echo", params)).isEqualTo(params);
      }
      assertThat(TestNetwork.get(URI.create(a.url() + "/health")).status()).isEqualTo(200);
    }
  }

  private static String kind(HttpResponse<String> r) {
    try {
      JsonNode answer = Json.parse(r.body());
      if (answer.has("error")) {
        return r.statusCode() + " " + answer.path("error").path("code").asInt();
      }
      return r.statusCode() == 200 && answer.has("tandem") ? "ok" : r.statusCode() + " " + answer;
    } catch (Exception e) {
      return r.statusCode() + " unparsable";
    }
  }
}
