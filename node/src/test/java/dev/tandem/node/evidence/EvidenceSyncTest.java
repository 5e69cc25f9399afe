package dev.tandem.node.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.score.Scores;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes pull the convicting evidence they missed ({@link EvidenceSync}): evidence is forwarded once, to the nodes
 * known when it goes round, so a node that starts later hears of it only by asking.
 *
 * <p>Nodes A (honest) and L (a liar: {@link dev.tandem.node.fault.Fault#LIE}) offer the matrix service; evidence that L lied is
 * submitted to A before any other node exists. The tests run in order: the first one starts C while the network is
 * just A and L, so what C pulls after its restart can be counted exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvidenceSyncTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final Duration SYNC = Duration.ofMillis(200);
  @TempDir static Path dir;
  final List<Node> nodes = new ArrayList<>();
  Node honest;
  Node liar;
  String serviceId;
  Evidence evidence;

  @BeforeAll
  void start() throws Exception {
    honest = start("a", List.of(), dev.tandem.node.fault.Fault.NONE, Duration.ofSeconds(30));
    liar = start("l", List.of(honest.url()), dev.tandem.node.fault.Fault.LIE, Duration.ofSeconds(30));
    byte[] wasm = Files.readAllBytes(repoRoot().resolve("services/matrix/matrix.wasm"));
    ServiceRecord rec = ServiceRecord.builder().name("matrix").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
    serviceId = rec.serviceId();
    new NodeClient(honest.url()).submit(rec, wasm);
    for (Node n : List.of(honest, liar)) {
      await("the service at " + n.url(), Duration.ofSeconds(30), () -> n.registry().service(serviceId).isPresent());
      new NodeClient(n.url(), Files.readString(n.config().dataDir().resolve("admin.token")).trim())
          .rpc("tandem_offer", Json.object().put("service", serviceId));
      await("the service running at " + n.url(), Duration.ofSeconds(30),
          () -> n.hosting().ready(serviceId).isPresent());
    }
    evidence = conflict(Json.parse("{\"a\":[[1,2],[3,4]],\"b\":[[5,6],[7,8]]}"));
    JsonNode verdict = new NodeClient(honest.url()).submitEvidence(evidence);
    assertThat(verdict.path("status").asText()).isEqualTo("convicted");
    assertThat(verdict.path("convicted").toString()).contains(liar.publicKey().toString());
    // A forwards it to L, which re-runs it and stores its own conviction: both now serve it.
    for (Node n : List.of(honest, liar)) {
      await("the evidence in the feed of " + n.url(), Duration.ofSeconds(20),
          () -> feed(n, 0).path("evidence").size() == 1);
    }
  }

  @AfterAll
  void stop() {
    nodes.forEach(Node::close);
  }

  @Test
  @Order(1)
  void aNodeThatStartsLaterPullsTheEvidenceConvictsTheLiarAndResumesAfterARestart() throws Exception {
    long started = System.nanoTime();
    Node late = start("c", List.of(honest.url()), dev.tandem.node.fault.Fault.NONE, SYNC);
    await("C to convict L", Duration.ofSeconds(30), () -> convicted(late));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    System.out.println("evidence sync: C convicted L " + tookMs + " ms after it started (sync every "
        + SYNC.toMillis() + " ms)");
    assertThat(late.activity().convictions()).anyMatch(c -> c.server().equals(liar.publicKey().toString())
        && c.reason().contains("re-run"));
    EvidenceSync sync = late.evidenceSync().orElseThrow();
    // The conviction is visible a moment before the sync counts it: wait for the count.
    await("the sync to count the conviction", Duration.ofSeconds(5), () -> sync.stats().convicted() == 1);
    JsonNode served = feed(late, 0).path("evidence");
    assertThat(served).as("C serves what it convicted on, for nodes that pull from it").hasSize(1);
    assertThat(Jcs.canonicalize(served.get(0))).isEqualTo(Jcs.canonicalize(evidence.toJson()));

    // Both of C's peers (A, and L from the registry) have been read to their end once C has taken their items.
    await("C to have read A and L", Duration.ofSeconds(20),
        () -> sync.position(honest.url()).cursor() > 0 && sync.position(liar.url()).cursor() > 0
            && sync.stats().pulled() >= 2);
    LogPosition atA = sync.position(honest.url());
    assertThat(atA.log()).as("the log A named").isEqualTo(feed(honest, 0).path("log").asText()).isNotEmpty();
    Path data = late.config().dataDir();
    late.close();
    nodes.remove(late);

    Node again = start("c", List.of(honest.url()), dev.tandem.node.fault.Fault.NONE, SYNC);
    assertThat(again.config().dataDir()).isEqualTo(data);
    EvidenceSync resumed = again.evidenceSync().orElseThrow();
    assertThat(resumed.position(honest.url())).as("the cursor survives the restart").isEqualTo(atA);
    await("three rounds after the restart", Duration.ofSeconds(20), () -> resumed.stats().rounds() >= 3);
    assertThat(resumed.stats().pulled()).as("nothing pulled again").isZero();
    assertThat(resumed.stats().failures()).isZero();
    assertThat(convicted(again)).as("the conviction itself is kept in node.db").isTrue();
    again.close();
    nodes.remove(again);
  }

  /** The control: the same late start with the sync turned off never convicts, so the test above measures it. */
  @Test
  @Order(2)
  void withoutTheSyncALateNodeNeverHearsOfTheConviction() throws Exception {
    Node late = start("d", List.of(honest.url()), dev.tandem.node.fault.Fault.NONE, Duration.ZERO);
    assertThat(late.evidenceSync()).isEmpty();
    await("D to know the service and L", Duration.ofSeconds(30),
        () -> late.registry().service(serviceId).isPresent() && late.registry().server(liar.publicKey()).isPresent());
    Thread.sleep(3_000); // far longer than the sync needs in the test above
    assertThat(convicted(late)).isFalse();
    assertThat(feed(late, 0).path("evidence")).isEmpty();
    late.close();
    nodes.remove(late);
  }

  /** Garbage from one peer, in every form, costs that peer backoff and nothing else. */
  @Test
  @Order(3)
  void aPeerThatAnswersGarbageDoesNotStopTheSyncFromAnother() throws Exception {
    AtomicLong served = new AtomicLong();
    ObjectNode forged = evidence.toJson();
    ObjectNode att = (ObjectNode) forged.get("attestations").get(1);
    byte[] sig = Base64.getUrlDecoder().decode(att.get("sig").asText());
    sig[5] ^= 1;
    att.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    try (ScriptedPeer garbage = new ScriptedPeer(request -> {
      JsonNode id = request.get("id");
      if (!EvidenceFeed.METHOD.equals(request.path("method").asText())) {
        return ScriptedPeer.Answer.error(id, -32601, "method not found");
      }
      return switch ((int) (served.getAndIncrement() % 5)) {
        case 0 -> new ScriptedPeer.Answer(500, "oops");
        case 1 -> new ScriptedPeer.Answer(200, "not json at all");
        case 2 -> ScriptedPeer.Answer.result(id, "{\"evidence\":\"none\",\"next\":-4}");
        case 3 -> ScriptedPeer.Answer.error(id, -32003, "internal error");
        default -> ScriptedPeer.Answer.result(id, "{\"evidence\":[{\"type\":\"nope\"},42,null," + forged
            + "],\"next\":" + (request.path("params").path("cursor").asLong() + 4) + ",\"more\":false}");
      };
    })) {
      Node late = start("e", List.of(garbage.url(), honest.url()), dev.tandem.node.fault.Fault.NONE, SYNC);
      EvidenceSync sync = late.evidenceSync().orElseThrow();
      await("E to convict L, and to have gone through every kind of garbage", Duration.ofSeconds(60),
          () -> convicted(late) && served.get() >= 5 && sync.stats().dropped() >= 4);
      assertThat(sync.stats().failures()).isGreaterThanOrEqualTo(4);
      assertThat(sync.position(garbage.url()).cursor()).as("items that are not evidence are passed, not retried")
          .isPositive();
      assertThat(late.scores().score(honest.publicKey()).score()).as("forged evidence penalizes nobody")
          .isEqualTo(Scores.INITIAL);
      int requests = garbage.evidenceRequests().size();
      assertThat(sync.stats().rounds()).as("a failing peer is asked less and less often").isGreaterThan(requests);
      late.close();
      nodes.remove(late);
    }
  }

  /**
   * A peer with a new log (a new node.db behind the same URL) is read again from the start: when its {@code next} is
   * lower than the cursor sent, and when it names another log, however long the new log already is.
   */
  @Test
  @Order(4)
  void aPeerWithANewLogIsReadAgainFromTheStart() throws Exception {
    List<Long> cursors = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Answers to the 1st, 2nd, ... pull: the log's id and its end. The log shrinks at the 2nd, is replaced at the 4th.
    String[][] script = {{"one", "10"}, {"one", "3"}, {"one", "3"}, {"two", "20"}};
    try (ScriptedPeer peer = new ScriptedPeer(request -> {
      JsonNode id = request.get("id");
      if (!EvidenceFeed.METHOD.equals(request.path("method").asText())) {
        return ScriptedPeer.Answer.error(id, -32601, "method not found");
      }
      cursors.add(request.path("params").path("cursor").asLong());
      String[] answer = script[Math.min(cursors.size(), script.length) - 1];
      return ScriptedPeer.Answer.result(id, "{\"evidence\":[],\"next\":" + answer[1] + ",\"more\":false,"
          + "\"log\":\"" + answer[0] + "\"}");
    })) {
      Node node = start("f", List.of(peer.url()), dev.tandem.node.fault.Fault.NONE, SYNC);
      await("five pulls", Duration.ofSeconds(20), () -> cursors.size() >= 5);
      assertThat(cursors.subList(0, 5)).containsExactly(0L, 10L, 0L, 3L, 0L);
      await("the cursor in the new log", Duration.ofSeconds(20), () -> node.evidenceSync().orElseThrow()
          .position(peer.url()).equals(new LogPosition("two", 20)));
      node.close();
      nodes.remove(node);
    }
  }

  // --- helpers --------------------------------------------------------------------------------------------------

  Node start(String name, List<URI> peers, dev.tandem.node.fault.Fault fault, Duration sync) throws Exception {
    Node n = Node.start(NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers)
        .gossipInterval(Duration.ofMillis(150)).fault(fault).evidenceSyncInterval(sync).build());
    nodes.add(n);
    return n;
  }

  boolean convicted(Node n) {
    return n.scores().score(liar.publicKey()).score() == 0 && n.scores().blacklisted(liar.publicKey());
  }

  static JsonNode feed(Node n, long cursor) {
    try {
      return new NodeClient(n.url()).rpc(EvidenceFeed.METHOD, Json.object().put("cursor", cursor));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  JsonNode call(Node n, JsonNode params) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"multiply\",\"params\":" + params + "}";
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(n.url() + "/services/" + serviceId))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return Json.parse(res.body());
  }

  /** The honest node's and the liar's signed answers to the same request: proof that one of them lied. */
  Evidence conflict(JsonNode params) throws Exception {
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    for (Node n : List.of(honest, liar)) {
      JsonNode answer = call(n, params);
      ObjectNode response = Json.object();
      response.set("result", answer.get("result"));
      Attestation att = Attestation.fromJson(answer.get("tandem"));
      assertThat(att.responseHash()).isEqualTo(Hashes.sha256Hex(Jcs.canonicalize(response)));
      signed.put(att, response);
    }
    Evidence e = Evidence.of(serviceId, ServiceCall.of("multiply", params), signed).check();
    assertThat(e.isConflict()).isTrue();
    return e;
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(25);
    }
  }

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("services"))) {
      p = p.getParent();
    }
    return p;
  }
}
