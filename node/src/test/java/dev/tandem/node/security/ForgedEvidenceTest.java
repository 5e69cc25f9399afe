package dev.tandem.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence whose signatures do not verify ({@code tandem_submitEvidence}, wire format of {@link Evidence}) is dropped:
 * refused with {@code -32008} naming the signature, never used to convict the server it accuses, never forwarded to
 * peers; and a reporter who signed it ({@code "reporter"}, {@code "reporterSig"}) loses score. An attacker must not be
 * able to frame an honest server with made-up attestations, nor flood the network with them, nor get an honest
 * server penalized by naming it as the reporter of garbage.
 *
 * <p>The node under test offers the echo service, so it could re-run the request: the forged attestations accuse an
 * honest server of a wrong answer, which is exactly what a re-run would "confirm" if signatures were not checked first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForgedEvidenceTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir static Path dir;
  Node node;
  HostilePeer peer;
  String serviceId;
  /** The honest server the forged evidence accuses; it is registered, so it has a score. */
  final KeyPair accused = KeyPair.generate();
  /** The reporter: a registered server that relays forged evidence and signs its report. */
  final KeyPair sender = KeyPair.generate();
  final KeyPair owner = KeyPair.generate();

  @BeforeAll
  void start() throws Exception {
    peer = new HostilePeer();
    node = Node.start(NodeConfig.builder(dir.resolve("node")).listen("127.0.0.1:0").addPeers(List.of(peer.url()))
        .gossipInterval(Duration.ofMillis(100)).build());
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("services"))) {
      root = root.getParent();
    }
    byte[] wasm = Files.readAllBytes(root.resolve("services/echo/echo.wasm"));
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(owner);
    serviceId = echo.serviceId();
    ObjectNode p = Json.object();
    p.set("record", echo.toJson());
    p.put("module", Base64.getEncoder().encodeToString(wasm));
    assertThat(Wire.rpc(node, "tandem_submitRecord", p, null).has("result")).isTrue();
    assertThat(Wire.rpc(node, "tandem_offer", Json.object().put("service", serviceId), Wire.adminToken(node))
        .has("result")).isTrue();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (node.hosting().ready(serviceId).isEmpty()) {
      assertThat(System.nanoTime()).as("echo to be ready").isLessThan(deadline);
      Thread.sleep(20);
    }
    for (KeyPair k : List.of(accused, sender)) {
      ServerRecord r = new ServerRecord(k.publicKey(), k == sender ? peer.url() : URI.create("http://127.0.0.1:9"),
          List.of(serviceId), List.of(), ServerRecord.Capacity.defaults(), 1, false, null).signedBy(k);
      ObjectNode rp = Json.object();
      rp.set("record", r.toJson());
      assertThat(Wire.rpc(node, "tandem_submitRecord", rp, null).has("result")).isTrue();
    }
  }

  @AfterAll
  void stop() {
    node.close();
    peer.close();
  }

  /** A real, correctly signed answer of the node under test for {@code echo [n]}. */
  Attestation honestAnswer(ServiceCall call) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":" + call.params() + "}";
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/services/" + serviceId))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    Attestation att = Attestation.fromJson(Json.parse(res.body()).get("tandem"));
    assertThat(att.verifies()).isTrue();
    return att;
  }

  /** Forged evidence in each way a signature can fail to prove anything, all accusing {@link #accused}. */
  List<Evidence> forgeries() throws Exception {
    ServiceCall call = ServiceCall.of("echo", Json.parse("[41]"));
    Attestation honest = honestAnswer(call);
    JsonNode right = Json.parse("{\"result\":[41]}");
    JsonNode wrong = Json.parse("{\"result\":[42]}");
    String wrongHash = ServiceCall.responseHash(wrong);
    byte[] noise = new byte[64];
    new java.security.SecureRandom().nextBytes(noise);
    // The accused never signed this: random bytes, the honest node's signature, a signature by another key.
    Attestation random = new Attestation(accused.publicKey(), serviceId, call.requestHash(), wrongHash, 1, noise);
    Attestation borrowed = new Attestation(accused.publicKey(), serviceId, call.requestHash(), wrongHash, 1,
        honest.sig());
    Attestation otherKey = new Attestation(accused.publicKey(), serviceId, call.requestHash(), wrongHash, 1,
        Attestation.sign(sender, serviceId, call.requestHash(), wrongHash, 1).sig());
    // A genuine signature of the accused, for another service, relabelled to this one.
    String elsewhere = Cid.rawSha256(new byte[] {7}).toString();
    Attestation relabelled = new Attestation(accused.publicKey(), serviceId, call.requestHash(), wrongHash, 1,
        Attestation.sign(accused, elsewhere, call.requestHash(), wrongHash, 1).sig());
    List<Evidence> out = new java.util.ArrayList<>();
    for (Attestation forged : List.of(random, borrowed, otherKey, relabelled)) {
      Map<Attestation, JsonNode> conflict = new LinkedHashMap<>();
      conflict.put(honest, right);
      conflict.put(forged, wrong);
      out.add(Evidence.of(serviceId, call, conflict)); // the conflict form
      out.add(Evidence.of(serviceId, call, Map.of(forged, wrong))); // the single form, checked by re-execution
    }
    return out;
  }

  @Test
  void forgedEvidenceIsRefusedNeverConvictsAndIsNotForwarded() throws Exception {
    OptionalInt before = score(accused.publicKey());
    for (Evidence e : forgeries()) {
      ObjectNode p = Json.object();
      p.set("evidence", e.toJson());
      JsonNode answer = Wire.rpc(node, "tandem_submitEvidence", p, null);
      assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(RpcErrors.REJECTED);
      assertThat(answer.path("error").path("message").asText()).as(answer.toString()).contains("sig");
    }
    Thread.sleep(500); // forwarding is asynchronous: give it time to happen if it were going to
    assertThat(peer.received).doesNotContain("tandem_submitEvidence");
    OptionalInt after = score(accused.publicKey());
    assertThat(after).isEqualTo(before);
    assertThat(node.registry().server(accused.publicKey())).isPresent();
  }

  /** A reporter who signs its report of forged evidence is penalized: it relayed what it should have checked. */
  @Test
  void aReporterThatSignedForgedEvidenceLosesScore() throws Exception {
    int before = score(sender.publicKey()).orElse(50);
    for (Evidence e : forgeries()) {
      ObjectNode p = report(e, sender, sender);
      JsonNode answer = Wire.rpc(node, "tandem_submitEvidence", p, null);
      assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(RpcErrors.REJECTED);
    }
    assertThat(score(sender.publicKey()).orElseThrow()).isLessThan(before);
    assertThat(score(accused.publicKey()).orElse(50)).isEqualTo(50);
  }

  /**
   * Naming someone else as the reporter, without their signature, must not cost them anything: otherwise anyone can
   * drive an honest server's score down by sending garbage "reported by" it.
   */
  @Test
  void namingAnInnocentReporterWithoutItsSignatureCostsItNothing() throws Exception {
    KeyPair innocent = KeyPair.generate();
    // Valid evidence (the node's own honest answer, to be checked by re-execution) under a reporterSig by someone else.
    ServiceCall call = ServiceCall.of("echo", Json.parse("[43]"));
    Evidence valid = Evidence.of(serviceId, call, Map.of(honestAnswer(call), Json.parse("{\"result\":[43]}")));
    JsonNode answer = Wire.rpc(node, "tandem_submitEvidence", report(valid, innocent, sender), null);
    assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(RpcErrors.REJECTED);
    for (Evidence e : forgeries()) {
      Wire.rpc(node, "tandem_submitEvidence", report(e, innocent, sender), null); // signed by the wrong key
      ObjectNode unsigned = Json.object();
      unsigned.set("evidence", e.toJson());
      unsigned.put("reporter", innocent.publicKey().toString());
      Wire.rpc(node, "tandem_submitEvidence", unsigned, null); // not signed at all
    }
    assertThat(score(innocent.publicKey()).orElse(50)).isEqualTo(50);
  }

  /**
   * {@code {"evidence": e, "reporter": named, "reporterSig": sig by signer}}; the signature covers the evidence's id.
   */
  static ObjectNode report(Evidence e, KeyPair named, KeyPair signer) throws Exception {
    String id = e.id();
    ObjectNode p = Json.object();
    p.set("evidence", e.toJson());
    p.put("reporter", named.publicKey().toString());
    p.put("reporterSig", Base64.getUrlEncoder().withoutPadding().encodeToString(
        signer.sign(Evidence.reportMessage(id))));
    return p;
  }

  /**
   * The node's own score of {@code server} from {@code tandem_scores}: accepts either an object keyed by server or a
   * list of {@code {"server": key, "score": n}} entries.
   */
  OptionalInt score(PublicKey server) throws Exception {
    JsonNode result = Wire.rpc(node, "tandem_scores", Json.object(), null).path("result");
    JsonNode list = result.has("scores") ? result.get("scores") : result;
    if (list.isObject() && list.has(server.toString())) {
      JsonNode s = list.get(server.toString());
      return OptionalInt.of(s.isNumber() ? s.asInt() : s.path("score").asInt());
    }
    for (JsonNode entry : list) {
      if (server.toString().equals(entry.path("server").asText())) {
        return OptionalInt.of(entry.path("score").asInt());
      }
    }
    return OptionalInt.empty();
  }
}
