package dev.tandem.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.client.NoServersException;
import dev.tandem.client.TandemClient;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strangers' records on real nodes: a record aimed at a path of another server, a record aimed at a sink on this
 * machine (server-side request forgery), registry spam beyond the quotas, and a batch that smuggles an admin call.
 */
class RegistryAttackTest {
  @TempDir Path dir;

  static ServerRecord server(KeyPair key, String url, List<String> offers, long seq) {
    return new ServerRecord(key.publicKey(), URI.create(url), offers, List.of(), ServerRecord.Capacity.defaults(),
        seq, false, null).signedBy(key);
  }

  static List<String> randomIds(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(Cid.rawSha256(("offer " + i + " " + System.nanoTime()).getBytes()).toString());
    }
    return ids;
  }

  /** A server on this machine that notes every request it gets and answers 404. */
  static HttpServer sink(List<String> hits) throws java.io.IOException {
    HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sink.createContext("/", exchange -> {
      try (exchange) {
        hits.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        exchange.sendResponseHeaders(404, -1);
      }
    });
    sink.start();
    return sink;
  }

  /**
   * Keys cost nothing, so the quotas per key cannot stop a script from filling the registry, and a full registry
   * refuses newcomers: new records are also counted per address. What was already stored costs nothing again.
   */
  @Test
  void newRecordsAreCountedPerAddress() throws Exception {
    try (Node node = Node.start(NodeConfig.builder(dir.resolve("q")).listen("127.0.0.1:0")
        .limit(Limit.RECORDS_PER_ADDRESS_PER_HOUR, 5).build())) {
      ServerRecord again = null;
      for (int i = 0; i < 5; i++) {
        ServerRecord r = server(KeyPair.generate(), "http://10.6.6." + i + ":1", List.of(), 1);
        assertThat(ReplayTest.submit(node, r).path("result").path("status").asText()).isEqualTo("stored");
        again = r;
      }
      JsonNode refused = ReplayTest.submit(node, server(KeyPair.generate(), "http://10.6.6.9:1", List.of(), 1));
      ReplayTest.assertRejected(refused, "--records-per-address-per-hour");
      assertThat(ReplayTest.submit(node, again).path("result").path("status").asText()).isEqualTo("already_known");
      assertThat(node.registry().servers()).hasSize(6); // the five and the node's own
    }
  }

  @Test
  void serverUrlsMustBeOriginsAndSpamBeyondTheQuotasIsRefusedAndNotGossiped() throws Exception {
    NodeConfig.Builder a = NodeConfig.builder(dir.resolve("a")).listen("127.0.0.1:0")
        .gossipInterval(Duration.ofMillis(100)).limit(Limit.MAX_RECORD_OFFERS, 50)
        .limit(Limit.RECORDS_PER_KEY_PER_HOUR, 3).limit(Limit.MAX_SERVERS_PER_HOST, 20);
    try (Node first = Node.start(a.build());
        Node second = Node.start(NodeConfig.builder(dir.resolve("b")).listen("127.0.0.1:0")
            .gossipInterval(Duration.ofMillis(100)).addPeers(List.of(first.url())).build())) {
      JsonNode withPath = ReplayTest.submit(first, server(KeyPair.generate(),
          "http://127.0.0.1:7610/internal/admin/p1", List.of(), 1));
      ReplayTest.assertRejected(withPath, "url");
      assertThat(withPath.path("error").path("message").asText()).contains("origin");
      ReplayTest.assertRejected(ReplayTest.submit(first, server(KeyPair.generate(),
          "http://127.0.0.1:7610/?q=1", List.of(), 1)), "url");

      long before = Files.size(dir.resolve("a/registry.db"));
      int refused = 0;
      for (int i = 0; i < 30; i++) { // 30 spam records with 1,000 offers each
        JsonNode answer = ReplayTest.submit(first, server(KeyPair.generate(), "http://10.9.9." + i + ":1",
            randomIds(1000), 1));
        if (answer.path("error").path("code").asInt() == RpcErrors.REJECTED
            && answer.path("error").path("message").asText().contains("--max-record-offers")) {
          refused++;
        }
      }
      assertThat(refused).isEqualTo(30);
      // One host: the 21st server there is refused.
      List<JsonNode> sameHost = new ArrayList<>();
      for (int i = 0; i < 21; i++) {
        sameHost.add(ReplayTest.submit(first, server(KeyPair.generate(), "http://10.7.7.7:" + (1000 + i), List.of(),
            1)));
      }
      assertThat(sameHost.subList(0, 20)).allMatch(j -> j.has("result"));
      ReplayTest.assertRejected(sameHost.get(20), "--max-servers-per-host");
      // One key: three updates an hour, the fourth refused.
      KeyPair busy = KeyPair.generate();
      for (int seq = 1; seq <= 3; seq++) {
        assertThat(ReplayTest.submit(first, server(busy, "http://10.8.8.8:1", List.of(), seq)).has("result")).isTrue();
      }
      ReplayTest.assertRejected(ReplayTest.submit(first, server(busy, "http://10.8.8.8:1", List.of(), 4)),
          "--records-per-key-per-hour");
      assertThat(Files.size(dir.resolve("a/registry.db")) - before).as("registry.db growth")
          .isLessThan(1 << 20);
      // What was accepted reaches the second node; what was refused never does.
      Thread.sleep(1500);
      assertThat(second.registry().server(busy.publicKey()).orElseThrow().seq()).isEqualTo(3);
      assertThat(second.registry().servers()).noneMatch(s -> s.offers().size() > 50);
      assertThat(second.registry().servers()).noneMatch(s -> s.url().getPath().length() > 1);
    }
  }

  @Test
  void aRecordPointingAtASinkGetsNoRequestFromAPublicReachNode() throws Exception {
    List<String> hits = new CopyOnWriteArrayList<>();
    HttpServer sink = sink(hits);
    try {
      URI sinkUrl = URI.create("http://127.0.0.1:" + sink.getAddress().getPort());
      ServerRecord aimed = server(KeyPair.generate(), sinkUrl.toString(), List.of(), 1);
      // A node that behaves as one on a public address, and for contrast one that talks to loopback.
      try (Node exposed = Node.start(NodeConfig.builder(dir.resolve("pub")).listen("127.0.0.1:0")
          .gossipInterval(Duration.ofMillis(100)).evidenceSyncInterval(Duration.ofMillis(200)).peerPolicy("public")
          .build())) {
        assertThat(ReplayTest.submit(exposed, aimed).has("result")).isTrue();
        Thread.sleep(2000);
        assertThat(hits).as("requests the sink got from a public-reach node").isEmpty();
      }
      try (Node local = Node.start(NodeConfig.builder(dir.resolve("loop")).listen("127.0.0.1:0")
          .gossipInterval(Duration.ofMillis(100)).evidenceSyncInterval(Duration.ofMillis(200)).build())) {
        assertThat(ReplayTest.submit(local, aimed).has("result")).isTrue();
        long end = System.nanoTime() + 5_000_000_000L;
        while (hits.isEmpty() && System.nanoTime() < end) {
          Thread.sleep(50);
        }
        assertThat(hits).as("a loopback node (policy auto) does contact a loopback server").isNotEmpty();
      }
    } finally {
      sink.stop(0);
    }
  }

  /**
   * Clients apply the same rule to the servers and homes they learn from records: one whose setup is public-reach
   * never contacts a sink on this machine that a record offers a service at; one on loopback (policy auto) does.
   */
  @Test
  void aClientOnAPublicReachSetupDoesNotContactASinkThatARecordOffers() throws Exception {
    List<String> hits = new CopyOnWriteArrayList<>();
    HttpServer sink = sink(hits);
    // The node itself behaves as one on a public address, so every request the sink gets comes from a client.
    try (Node node = Node.start(NodeConfig.builder(dir.resolve("n")).listen("127.0.0.1:0").peerPolicy("public")
        .build())) {
      String sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
      ServiceRecord service = ServiceRecord.builder().name("lure").module(Cid.rawSha256(new byte[] {42}))
          .home(sinkUrl).sign(KeyPair.generate());
      assertThat(ReplayTest.submit(node, service).has("result")).isTrue();
      assertThat(ReplayTest.submit(node, server(KeyPair.generate(), sinkUrl, List.of(service.serviceId()), 1))
          .has("result")).isTrue();
      try (TandemClient exposed = TandemClient.builder().bootstrap(List.of(node.url())).peerPolicy("public")
          .requestTimeout(Duration.ofSeconds(2)).build()) {
        assertThatThrownBy(() -> exposed.service(service.serviceId()).call("m", Json.object()))
            .isInstanceOf(NoServersException.class);
      }
      assertThat(hits).as("requests the sink got from a public-reach client").isEmpty();
      try (TandemClient local = TandemClient.builder().bootstrap(List.of(node.url()))
          .requestTimeout(Duration.ofSeconds(2)).build()) {
        assertThatThrownBy(() -> local.service(service.serviceId()).call("m", Json.object()));
      }
      assertThat(hits).as("a loopback client (policy auto) does contact a loopback server").isNotEmpty();
    } finally {
      sink.stop(0);
    }
  }

  @Test
  void aBatchWithAnAdminItemIsRefusedWholeBeforeAnyItemRuns() throws Exception {
    try (Node node = Node.start(NodeConfig.builder(dir.resolve("n")).listen("127.0.0.1:0").build())) {
      KeyPair stranger = KeyPair.generate();
      ObjectNode p = Json.object();
      p.set("record", server(stranger, "http://10.1.2.3:1", List.of(), 1).toJson());
      ObjectNode offer = Json.object().put("service", Cid.rawSha256(new byte[] {1}).toString());
      String batch = "[" + Wire.request("tandem_submitRecord", p) + "," + Wire.request("tandem_offer", offer) + "]";
      var reply = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          URI.create(node.url() + "/rpc")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(batch)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(reply.statusCode()).isEqualTo(401);
      assertThat(reply.body()).contains("nothing in the batch ran");
      assertThat(node.registry().server(stranger.publicKey())).as("the public item did not run").isEmpty();
    }
  }
}
