package dev.tandem.node.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.RpcErrors;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence at the nodes: a lying node's signed answer, set against an honest one, is re-run by every honest node,
 * which convicts the liar (score 0, blacklisted) and forwards the evidence once; forged evidence is dropped and its
 * reporter penalized.
 */
class EvidenceTest {
  @TempDir static Path dir;
  static final List<Node> nodes = new ArrayList<>();
  static Node liar;
  static String serviceId;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Node first = null;
    for (int i = 0; i < 4; i++) {
      NodeConfig.Builder b = NodeConfig.builder(dir.resolve("n" + i)).listen("127.0.0.1:0")
          .gossipInterval(Duration.ofMillis(150)).fault(i == 3 ? dev.tandem.node.fault.Fault.LIE : dev.tandem.node.fault.Fault.NONE);
      if (first != null) {
        b.addPeers(List.of(first.url()));
      }
      Node n = Node.start(b.build());
      if (first == null) {
        first = n;
      }
      nodes.add(n);
    }
    liar = nodes.get(3);
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("services"))) {
      root = root.getParent();
    }
    byte[] wasm = Files.readAllBytes(root.resolve("services/matrix/matrix.wasm"));
    ServiceRecord rec = ServiceRecord.builder().name("matrix").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
    serviceId = rec.serviceId();
    new NodeClient(first.url()).submit(rec, wasm);
    for (int i : new int[] {0, 3}) {
      Node n = nodes.get(i);
      await(() -> n.registry().service(serviceId).isPresent());
      new NodeClient(n.url(), Files.readString(n.config().dataDir().resolve("admin.token")).trim())
          .rpc("tandem_offer", Json.object().put("service", serviceId));
      await(() -> n.hosting().ready(serviceId).isPresent());
    }
    for (Node n : nodes) {
      await(() -> n.registry().service(serviceId).isPresent() && n.registry().servers().size() == 4);
    }
  }

  @AfterAll
  static void stop() {
    nodes.forEach(Node::close);
  }

  static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!c.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out");
      }
      Thread.sleep(50);
    }
  }

  static JsonNode call(Node n, JsonNode params) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"multiply\",\"params\":" + params + "}";
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(n.url() + "/services/" + serviceId))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return Json.parse(res.body());
  }

  static Evidence conflict(JsonNode params) throws Exception {
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    for (Node n : List.of(nodes.get(0), liar)) {
      JsonNode answer = call(n, params);
      ObjectNode response = Json.object();
      response.set("result", answer.get("result"));
      Attestation att = Attestation.fromJson(answer.get("tandem"));
      assertThat(att.responseHash()).isEqualTo(Hashes.sha256Hex(Jcs.canonicalize(response)));
      signed.put(att, response);
    }
    return Evidence.of(serviceId, ServiceCall.of("multiply", params), signed).check();
  }

  @Test
  void honestNodesReRunConvictTheLiarAndSpreadTheEvidence() throws Exception {
    JsonNode params = Json.parse("{\"a\":[[1,2],[3,4]],\"b\":[[5,6],[7,8]]}");
    Evidence evidence = conflict(params);
    assertThat(evidence.isConflict()).isTrue();
    ObjectNode p = Json.object();
    p.set("evidence", evidence.toJson());
    JsonNode verdict = new NodeClient(nodes.get(1).url()).rpc("tandem_submitEvidence", p);
    assertThat(verdict.path("status").asText()).isEqualTo("convicted");
    assertThat(verdict.path("convicted").toString()).contains(liar.publicKey().toString());
    assertThat(verdict.path("upheld").toString()).contains(nodes.get(0).publicKey().toString());
    for (Node honest : nodes.subList(0, 3)) {
      await(() -> honest.scores().score(liar.publicKey()).score() == 0 && honest.scores().blacklisted(liar.publicKey()));
      assertThat(honest.activity().convictions()).anyMatch(c -> c.server().equals(liar.publicKey().toString()));
    }
    assertThat(nodes.get(0).scores().score(nodes.get(1).publicKey()).score()).isGreaterThan(0);
    JsonNode again = new NodeClient(nodes.get(1).url()).rpc("tandem_submitEvidence", p);
    assertThat(again.path("status").asText()).isEqualTo("known");
    JsonNode scores = new NodeClient(nodes.get(2).url()).rpc("tandem_scores", Json.object());
    assertThat(scores.toString()).contains(liar.publicKey().toString()).contains("\"blacklisted\":true");

    // The judge restarts: its dashboard still shows why the liar is blacklisted, each case once.
    Node judge = nodes.get(1);
    judge.close();
    Node restarted = Node.start(judge.config());
    nodes.set(1, restarted);
    String request = evidence.request().requestHash();
    assertThat(restarted.scores().blacklisted(liar.publicKey())).isTrue();
    assertThat(restarted.activity().convictions()).filteredOn(c -> c.requestHash().equals(request))
        .singleElement().satisfies(c -> {
          assertThat(c.server()).isEqualTo(liar.publicKey().toString());
          assertThat(c.service()).isEqualTo(serviceId);
          assertThat(c.reason()).contains(shortHash(evidence, liar)).contains("re-run gives");
        });
    assertThat(restarted.activity().conflicts()).filteredOn(c -> c.requestHash().equals(request))
        .singleElement().satisfies(c -> assertThat(c.servers())
            .containsExactlyInAnyOrder(liar.publicKey().toString(), nodes.get(0).publicKey().toString()));
  }

  private static String shortHash(Evidence evidence, Node server) {
    return evidence.attestations().stream().filter(a -> a.server().equals(server.publicKey())).findFirst()
        .orElseThrow().responseHash().substring(0, 12);
  }

  @Test
  void forgedEvidenceIsDroppedAndItsReporterPenalized() throws Exception {
    Evidence evidence = conflict(Json.parse("{\"a\":[[2]],\"b\":[[3]]}"));
    ObjectNode json = evidence.toJson();
    ObjectNode att = (ObjectNode) json.get("attestations").get(1);
    byte[] sig = Base64.getUrlDecoder().decode(att.get("sig").asText());
    sig[3] ^= 1;
    att.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    KeyPair reporter = KeyPair.generate();
    String id = Evidence.fromJson(json).id();
    ObjectNode p = Json.object();
    p.set("evidence", json);
    p.put("reporter", reporter.publicKey().toString());
    p.put("reporterSig", Base64.getUrlEncoder().withoutPadding().encodeToString(
        reporter.sign(Evidence.reportMessage(id))));
    Node judge = nodes.get(2);
    int before = judge.scores().score(reporter.publicKey()).score();
    // A fresh key is not worth a row in node.db: only a registered server's score is lowered.
    assertRejected(judge, p);
    assertThat(judge.scores().snapshot()).doesNotContainKey(reporter.publicKey());
    judge.registry().submit(new dev.tandem.core.record.ServerRecord(reporter.publicKey(),
        URI.create("http://127.0.0.1:9"), List.of(), List.of(),
        dev.tandem.core.record.ServerRecord.Capacity.defaults(), 1, false, null).signedBy(reporter));
    assertRejected(judge, p);
    assertThat(judge.scores().score(reporter.publicKey()).score()).isLessThan(before);
  }

  static void assertRejected(Node judge, ObjectNode p) throws Exception {
    try {
      new NodeClient(judge.url()).rpc("tandem_submitEvidence", p);
      throw new AssertionError("forged evidence was accepted");
    } catch (NodeClient.NodeException e) {
      assertThat(e.code()).isEqualTo(RpcErrors.REJECTED);
      assertThat(e.getMessage()).contains("sig");
    }
  }
}
