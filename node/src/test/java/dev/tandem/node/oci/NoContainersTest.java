package dev.tandem.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.OciSpec;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.hosting.Hosting;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that runs no containers ({@code --oci off}, as a node without podman) stores an OCI service's record but
 * never offers the service: told to offer it, it marks it failed (so the planner never picks it), never advertises
 * it, and answers calls to it with "not ready". Runs without podman.
 */
class NoContainersTest {
  @TempDir Path dir;

  @Test
  void aNodeWithoutPodmanNeverOffersAnOciService() throws Exception {
    try (Node node = Node.start(NodeConfig.builder(dir.resolve("n")).listen("127.0.0.1:0").oci(OciOptions.OFF)
        .build())) {
      assertThat(node.hosting().oci()).isEmpty();
      ServiceRecord tally = ServiceRecord.builder().name("tally")
          .oci(OciSpec.of("127.0.0.1:5000/tandem/tally@sha256:" + "0f".repeat(32), 8080)).sign(KeyPair.generate());
      var http = java.net.http.HttpClient.newHttpClient();
      ObjectNode submit = Json.object();
      submit.put("jsonrpc", "2.0").put("id", 1).put("method", "tandem_submitRecord").putObject("params")
          .set("record", tally.toJson());
      String stored = http.send(java.net.http.HttpRequest.newBuilder(URI.create(node.url() + "/rpc"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(submit.toString())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(stored).contains("stored");
      String token = Files.readString(node.config().dataDir().resolve("admin.token")).trim();
      ObjectNode offer = Json.object();
      offer.put("jsonrpc", "2.0").put("id", 2).put("method", "tandem_offer").putObject("params")
          .put("service", tally.serviceId());
      http.send(java.net.http.HttpRequest.newBuilder(URI.create(node.url() + "/rpc"))
          .header("Authorization", "Bearer " + token)
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(offer.toString())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
      while (!(node.hosting().states().get(tally.serviceId()) instanceof Hosting.State.Failed)
          && Instant.now().isBefore(deadline)) {
        Thread.sleep(20);
      }
      assertThat(node.hosting().states().get(tally.serviceId())).isInstanceOfSatisfying(Hosting.State.Failed.class,
          f -> assertThat(f.why()).contains("runs no containers"));
      assertThat(node.hosting().readyIds()).doesNotContain(tally.serviceId());
      String call = http.send(java.net.http.HttpRequest.newBuilder(
              URI.create(node.url() + "/services/" + tally.serviceId()))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sum\",\"params\":{}}")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(Json.parse(call).path("error").path("message").asText()).contains("not ready");
    }
  }
}
