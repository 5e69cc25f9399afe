package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TestFiles;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.fault.Fault;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reciprocity counts delivered work, on real nodes: node A rewards {@code echo}, which an honest node, a liar
 * ({@code --unsafe-fault lie}) and a node that drops its calls ({@code crash}) all declare they offer. A's delivery
 * probes replay a request A ran itself: only the honest node keeps its credit, the liar is convicted by A's re-run,
 * and {@code tandem_reciprocity} shows delivered against declared for each.
 */
class DeliveryProbeTest {
  private static Path dir;
  private static final Map<String, Node> nodes = new LinkedHashMap<>();
  private static String echo;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("tandem-probe-it");
    byte[] module = TestFiles.read("services/echo/echo.wasm");
    ServiceRecord record = ServiceRecord.builder().name("echo").module(Cid.rawSha256(module))
        .verifier(ServiceRecord.BUILTIN_EQUAL).limits(ServiceLimits.defaults().withFuel(50_000_000))
        .description("echo for probe tests").createdAt(1_000).sign(KeyPair.fromSeed(new byte[32]));
    echo = record.serviceId();
    Node a = Node.start(config("a", List.of(), Fault.NONE).addRewards(List.of(echo))
        .probeInterval(Duration.ofMillis(200)).build());
    nodes.put("a", a);
    nodes.put("honest", Node.start(config("honest", List.of(a.url()), Fault.NONE).build()));
    nodes.put("liar", Node.start(config("liar", List.of(a.url()), Fault.LIE).build()));
    nodes.put("dropper", Node.start(config("dropper", List.of(a.url()), Fault.CRASH).build()));
    for (Node n : nodes.values()) { // each gets the module with the record: nobody waits for a fetch
      new NodeClient(n.url()).submit(record, module);
    }
    TestPool.await("every node to offer echo and be known at a", Duration.ofSeconds(60),
        () -> nodes.values().stream().allMatch(n -> n.hosting().ready(echo).isPresent()
            && a.registry().server(n.publicKey()).map(s -> s.offers().contains(echo)).orElse(false)));
  }

  private static NodeConfig.Builder config(String name, List<URI> peers, Fault fault) {
    return NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers).addOffers(List.of(echo))
        .gossipInterval(Duration.ofMillis(150)).fault(fault)
        .probeInterval(Duration.ZERO);
  }

  @AfterAll
  static void stop() {
    new ArrayList<>(nodes.values()).forEach(Node::close);
  }

  @Test
  void onlyDeliveredOffersEarnCredit() throws Exception {
    Node a = nodes.get("a");
    PublicKey honest = nodes.get("honest").publicKey();
    PublicKey liar = nodes.get("liar").publicKey();
    PublicKey dropper = nodes.get("dropper").publicKey();

    // Every record declares the offer; it counts once a probe shows it delivered. (Before a has a request of echo to
    // probe with, a declared offer counts: a makes one itself before its first probe, a call of a method no service
    // has, so that lasts a moment.)
    assertThat(peer(a, honest).path("declared").asInt()).isEqualTo(1);
    assertThat(peer(a, liar).path("declared").asInt()).isEqualTo(1);
    assertThat(peer(a, dropper).path("declared").asInt()).isEqualTo(1);

    // A request a ran itself: what its probes replay.
    HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(NodeUrls.service(a.url(),
        echo)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"x\":42}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(served.body()).contains("\"result\"");
    assertThat(a.probes().sampled()).containsKey(echo);

    TestPool.await("a to probe all three servers", Duration.ofSeconds(30),
        () -> a.probes().of(honest).containsKey(echo) && a.probes().of(liar).containsKey(echo)
            && a.probes().of(dropper).containsKey(echo));

    JsonNode h = peer(a, honest);
    assertThat(h.path("declared").asInt()).isEqualTo(1);
    assertThat(h.path("delivered").asInt()).isEqualTo(1);
    assertThat(h.path("theyGive").asInt()).isEqualTo(1);

    JsonNode l = peer(a, liar);
    assertThat(l.path("declared").asInt()).isEqualTo(1);
    assertThat(l.path("delivered").asInt()).isZero();
    assertThat(l.path("theyGive").asInt()).isZero();
    assertThat(l.path("probes").get(0).path("result").asText()).isEqualTo("wrong");
    TestPool.await("a to convict the liar by its own re-run", Duration.ofSeconds(10),
        () -> scoreOf(a, liar).path("blacklisted").asBoolean(false));

    JsonNode d = peer(a, dropper);
    assertThat(d.path("declared").asInt()).isEqualTo(1);
    assertThat(d.path("delivered").asInt()).isZero();
    assertThat(d.path("undelivered").asInt()).isEqualTo(1);
    assertThat(d.path("theyGive").asInt()).isZero();
    assertThat(d.path("probes").get(0).path("result").asText()).isEqualTo("no-answer");
    assertThat(d.path("convicted").asBoolean()).isFalse(); // dropping calls is no lie: it only earns nothing
  }

  private static JsonNode peer(Node a, PublicKey key) throws Exception {
    for (JsonNode p : new NodeClient(a.url()).rpc("tandem_reciprocity", Json.object()).path("peers")) {
      if (p.path("peer").asText().equals(key.toString())) {
        return p;
      }
    }
    throw new AssertionError("no row for " + key);
  }

  private static JsonNode scoreOf(Node a, PublicKey key) {
    try {
      for (JsonNode s : new NodeClient(a.url()).rpc("tandem_scores", Json.object()).path("scores")) {
        if (s.path("server").asText().equals(key.toString())) {
          return s;
        }
      }
    } catch (Exception e) {
      return Json.object();
    }
    return Json.object();
  }
}
