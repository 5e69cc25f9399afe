package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.guard.Limit;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call that names an input nobody serves costs its sender nothing. While the node waits for that input, the
 * service's call slots stay free for other callers, and the wait ends at the node's deadline, not the sources'.
 */
class InputStallTest {
  @TempDir Path dir;

  @Test
  void aCallWaitingForItsInputHoldsNoCallSlot() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    HttpServer stalling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stalling.createContext("/", ex -> { // a home that never answers
      asked.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    stalling.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    }));
    stalling.start();
    try (TestNetwork net = new TestNetwork(dir)) {
      Node node = Node.start(NodeConfig.builder(dir.resolve("n")).listen("127.0.0.1:0")
          .maxConcurrentCallsPerService(1).limit(Limit.INPUT_FETCH_MS, 3000).build());
      net.nodes.add(node);
      byte[] echo = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/echo/echo.wasm"));
      ServiceRecord record = ServiceRecord.builder().name("echo").module(Cid.rawSha256(echo))
          .verifier(ServiceRecord.BUILTIN_EQUAL)
          .home(URI.create("http://127.0.0.1:" + stalling.getAddress().getPort())).sign(KeyPair.generate());
      new dev.tandem.client.NodeClient(node.url()).submit(record, echo, null);
      new dev.tandem.client.NodeClient(node.url(), TestNetwork.adminToken(node)).rpc("tandem_offer",
          Json.object().put("service", record.serviceId()));
      TestNetwork.await("echo ready", Duration.ofSeconds(30), () -> node.hosting().ready(record.serviceId())
          .isPresent());
      URI url = URI.create(node.url() + "/services/" + record.serviceId());
      String missing = Cid.rawSha256("an input nobody has".getBytes()).toString();

      long start = System.nanoTime();
      CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() -> {
        try {
          return TestNetwork.post(url, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"in\":{\"/\":\""
              + missing + "\"}}}", null).json();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
      JsonNode other = TestNetwork.post(url, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":[1]}",
          null).json();
      assertThat(other.path("result").toString()).as(other.toString()).isEqualTo("[1]");

      JsonNode failed = waiting.get(20, TimeUnit.SECONDS);
      assertThat(failed.path("error").path("code").asInt()).as(failed.toString())
          .isEqualTo(RpcErrors.MODULE_UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    } finally {
      stalling.stop(0);
    }
  }
}
