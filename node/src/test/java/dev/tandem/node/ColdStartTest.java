package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.hosting.Preparation;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node told to offer a service it never saw: it fetches the module from the service's home, answers once the module
 * is loaded (tiered: first on the interpreter while it compiles), stores the module afterwards and serves it from its
 * own gateway, and records how each step went.
 */
class ColdStartTest {
  @TempDir static Path dir;

  @Test
  void aFreshNodeFetchesLoadsAnswersThenStoresAndCompiles() throws Exception {
    try (Node home = Node.start(NodeConfig.builder(dir.resolve("home")).listen("127.0.0.1:0")
        .gossipInterval(Duration.ofMillis(150)).build());
         Node fresh = Node.start(NodeConfig.builder(dir.resolve("fresh")).listen("127.0.0.1:0")
             .addPeers(List.of(home.url())).gossipInterval(Duration.ofMillis(150)).build())) {
      var record = TestNetwork.offerEcho("echo-cold", KeyPair.generate(), home, List.of(home));
      TestNetwork.await("the fresh node to learn of the service", Duration.ofSeconds(30),
          () -> fresh.registry().service(record.serviceId()).isPresent());
      new dev.tandem.client.NodeClient(fresh.url(), TestNetwork.adminToken(fresh)).rpc("tandem_offer",
          Json.object().put("service", record.serviceId()));
      TestNetwork.await("the service to be ready", Duration.ofSeconds(30),
          () -> fresh.hosting().states().get(record.serviceId()) instanceof Hosting.State.Ready);
      TestNetwork.Reply answer = TestNetwork.post(URI.create(fresh.url() + "/services/" + record.serviceId()),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"a\":1}}", null);
      assertThat(answer.body()).contains("\"result\":{\"a\":1}").contains("\"sig\"");

      TestNetwork.await("the module to be stored", Duration.ofSeconds(30), () -> fresh.hosting()
          .preparation(record.serviceId()).map(p -> p.stored() != 0).orElse(false));
      Preparation p = fresh.hosting().preparation(record.serviceId()).orElseThrow();
      byte[] echo = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/echo/echo.wasm"));
      assertThat(p.fetchedNow()).isTrue();
      assertThat(p.bytes()).isEqualTo(echo.length);
      assertThat(List.of(p.queued(), p.started(), p.fetched(), p.loaded(), p.ready(), p.stored())).isSorted();
      assertThat(p.load().totalNanos()).isPositive();
      TestNetwork.Reply served = TestNetwork.get(URI.create(fresh.url() + "/ipfs/" + record.module() + "?format=raw"));
      assertThat(served.status()).isEqualTo(200);

      var module = fresh.hosting().ready(record.serviceId()).orElseThrow().module();
      module.settled().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(module.tier()).isEqualTo("compiled");
      TestNetwork.await("the compilation to be recorded", Duration.ofSeconds(30), () -> fresh.hosting()
          .preparation(record.serviceId()).map(q -> q.compiled() != 0).orElse(false));
      TestNetwork.Reply again = TestNetwork.post(URI.create(fresh.url() + "/services/" + record.serviceId()),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"a\":1}}", null);
      assertThat(Json.parse(again.body()).path("result")).isEqualTo(Json.parse(answer.body()).path("result"));
      long fuel = Json.parse(answer.body()).path("tandem").path("fuel").asLong();
      assertThat(fuel).as(answer.body()).isPositive();
      assertThat(Json.parse(again.body()).path("tandem").path("fuel").asLong()).as("the same fuel once compiled")
          .isEqualTo(fuel);
    }
  }
}
