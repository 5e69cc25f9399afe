package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes on loopback: a service registered through node 1 and offered by nodes 3 and 2 is fetched from
 * node 1 (hash checked), answers with an attestation signed by the node that ran it, and both give the same
 * responseHash.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThreeNodeTest {
  @TempDir static Path dir;
  TestNetwork net;
  Node n1;
  Node n2;
  Node n3;
  byte[] wasm;
  ServiceRecord search;
  final KeyPair owner = KeyPair.generate();

  @BeforeAll
  void startNetwork() throws Exception {
    net = new TestNetwork(dir);
    n1 = net.start("n1", List.of(), dev.tandem.node.fault.Fault.NONE);
    n2 = net.start("n2", List.of(n1.url()), dev.tandem.node.fault.Fault.NONE);
    n3 = net.start("n3", List.of(n2.url()), dev.tandem.node.fault.Fault.NONE);
    wasm = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/search/search.wasm"));
    search = ServiceRecord.builder().name("search").module(Cid.rawSha256(wasm)).home(n1.url().toString())
        .sign(owner);
    ObjectNode p = Json.object();
    p.set("record", search.toJson());
    p.put("module", Base64.getEncoder().encodeToString(wasm));
    JsonNode res = TestNetwork.post(rpc(n1), request("tandem_submitRecord", p), null).json();
    assertThat(res.path("result").path("status").asText()).isEqualTo("stored");
  }

  @AfterAll
  void stop() {
    net.close();
  }

  static URI rpc(Node n) {
    return URI.create(n.url() + "/rpc");
  }

  static String request(String method, JsonNode params) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.put("id", 1);
    r.put("method", method);
    r.set("params", params);
    return r.toString();
  }

  void offer(Node n, String serviceId) throws Exception {
    ObjectNode p = Json.object();
    p.put("service", serviceId);
    var reply = TestNetwork.post(rpc(n), request("tandem_offer", p), TestNetwork.adminToken(n));
    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void serviceRegisteredOnNode1IsFetchedByNode3AndAnswersWithItsAttestation() throws Exception {
    String id = search.serviceId();
    TestNetwork.await("the service record to reach node 3", Duration.ofSeconds(10),
        () -> n3.registry().service(id).isPresent());
    offer(n3, id);
    TestNetwork.await("node 3 to offer the service", Duration.ofSeconds(30),
        () -> n3.hosting().ready(id).isPresent());
    TestNetwork.await("node 3's server record to reach node 1", Duration.ofSeconds(10),
        () -> n1.registry().server(n3.publicKey()).map(s -> s.offers().contains(id)).orElse(false));
    // Stored after it answers, before it is advertised: whoever learns that node 3 offers it can fetch it there.
    assertThat(Files.exists(n3.config().dataDir().resolve("modules").resolve(search.module().toString()))).isTrue();

    ObjectNode params = Json.object();
    params.put("q", "library");
    params.put("limit", 3);
    String call = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"query\",\"params\":" + params + "}";
    JsonNode answer = TestNetwork.post(URI.create(n3.url() + "/services/" + id), call, null).json();
    assertThat(answer.path("id").asInt()).isEqualTo(7);
    assertThat(answer.path("result").path("hits").isArray()).isTrue();
    Attestation att = Attestation.fromJson(answer.get("tandem"));
    assertThat(att.server()).isEqualTo(n3.publicKey());
    assertThat(att.verifies()).isTrue();
    assertThat(att.requestHash()).isEqualTo(ServiceCall.of("query", params).requestHash());
    ObjectNode response = Json.object();
    response.set("result", answer.get("result"));
    assertThat(att.responseHash()).isEqualTo(Hashes.sha256Hex(Jcs.canonicalize(response)));

    offer(n2, id);
    TestNetwork.await("node 2 to offer the service", Duration.ofSeconds(30),
        () -> n2.hosting().ready(id).isPresent());
    JsonNode answer2 = TestNetwork.post(URI.create(n2.url() + "/services/" + id), call, null).json();
    Attestation att2 = Attestation.fromJson(answer2.get("tandem"));
    assertThat(att2.server()).isEqualTo(n2.publicKey());
    assertThat(att2.responseHash()).isEqualTo(att.responseHash());
  }

  @Test
  void badRecordsAreRejectedEverywhereWithReasonsAndNotStored() throws Exception {
    int before = n1.registry().services().size();
    // A flipped signature byte.
    ObjectNode forged = search.toJson();
    byte[] sig = Base64.getUrlDecoder().decode(forged.get("sig").asText());
    sig[0] ^= 1;
    forged.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    forged.put("description", "tampered");
    for (Node n : List.of(n1, n2, n3)) {
      ObjectNode p = Json.object();
      p.set("record", forged);
      JsonNode res = TestNetwork.post(rpc(n), request("tandem_submitRecord", p), null).json();
      assertThat(res.path("error").path("code").asInt()).isEqualTo(RpcErrors.REJECTED);
      assertThat(res.path("error").path("message").asText()).contains("sig");
    }
    // A module whose bytes do not match the record's CID.
    ServiceRecord other = ServiceRecord.builder().name("other").module(Cid.rawSha256(new byte[] {1, 2, 3}))
        .sign(owner);
    ObjectNode p = Json.object();
    p.set("record", other.toJson());
    p.put("module", Base64.getEncoder().encodeToString(wasm));
    JsonNode res = TestNetwork.post(rpc(n1), request("tandem_submitRecord", p), null).json();
    assertThat(res.path("error").path("code").asInt()).isEqualTo(RpcErrors.REJECTED);
    assertThat(res.path("error").path("message").asText()).contains("module").contains("hash");
    assertThat(n1.registry().service(other.serviceId())).isEmpty();
    // An older seq for a server.
    KeyPair serverKey = KeyPair.generate();
    ServerRecord newer = new ServerRecord(serverKey.publicKey(), URI.create("http://127.0.0.1:1"), List.of(),
        List.of(), ServerRecord.Capacity.defaults(), 5, false, null).signedBy(serverKey);
    ServerRecord older = new ServerRecord(serverKey.publicKey(), URI.create("http://127.0.0.1:2"), List.of(),
        List.of(), ServerRecord.Capacity.defaults(), 4, false, null).signedBy(serverKey);
    ObjectNode pn = Json.object();
    pn.set("record", newer.toJson());
    assertThat(TestNetwork.post(rpc(n1), request("tandem_submitRecord", pn), null).json().has("result")).isTrue();
    TestNetwork.await("the newer record to spread", Duration.ofSeconds(10),
        () -> n3.registry().server(serverKey.publicKey()).isPresent());
    for (Node n : List.of(n1, n2, n3)) {
      ObjectNode po = Json.object();
      po.set("record", older.toJson());
      JsonNode r = TestNetwork.post(rpc(n), request("tandem_submitRecord", po), null).json();
      assertThat(r.path("error").path("message").asText()).contains("seq");
      assertThat(n.registry().server(serverKey.publicKey()).orElseThrow().seq()).isEqualTo(5);
    }
    assertThat(n1.registry().services().size()).isEqualTo(before);
  }

  @Test
  void malformedRequestsGetTheRightJsonRpcErrors() throws Exception {
    URI svc = URI.create(n1.url() + "/services/" + search.serviceId());
    assertThat(TestNetwork.post(svc, "{not json", null).json().path("error").path("code").asInt())
        .isEqualTo(RpcErrors.PARSE_ERROR);
    assertThat(TestNetwork.post(svc, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"query\"}", null).json()
        .path("error").path("code").asInt()).isEqualTo(RpcErrors.INVALID_REQUEST);
    URI unknown = URI.create(n1.url() + "/services/" + Cid.rawSha256(new byte[] {9}));
    assertThat(TestNetwork.post(unknown, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"query\"}", null).json()
        .path("error").path("code").asInt()).isEqualTo(RpcErrors.UNKNOWN_SERVICE);
    var big = TestNetwork.post(svc, "[" + "1,".repeat(2 << 20) + "1]", null, true);
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.json().path("error").path("code").asInt()).isEqualTo(RpcErrors.TOO_LARGE);
    assertThat(TestNetwork.post(rpc(n1), "[]", null).json().path("error").path("code").asInt())
        .isEqualTo(RpcErrors.INVALID_REQUEST);
    assertThat(TestNetwork.post(rpc(n1), request("no_such_method", Json.object()), null).json()
        .path("error").path("code").asInt()).isEqualTo(RpcErrors.METHOD_NOT_FOUND);
    for (var reply : List.of(TestNetwork.post(svc, "\u0000\u00ff", null), TestNetwork.post(rpc(n1), "[1,2]", null))) {
      assertThat(reply.status()).isLessThan(500);
      assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  @Test
  void adminMethodsNeedTheToken() throws Exception {
    ObjectNode p = Json.object();
    p.put("service", search.serviceId());
    var reply = TestNetwork.post(rpc(n1), request("tandem_offer", p), null);
    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("error").path("code").asInt()).isEqualTo(RpcErrors.UNAUTHORIZED);
    assertThat(TestNetwork.post(rpc(n1), request("tandem_offer", p), "wrong-token-wrong-token").status())
        .isEqualTo(401);
  }

  @Test
  void modulesAreServedByCidAndPathsOutsideTheStoreAreRefused() throws Exception {
    var ok = TestNetwork.get(URI.create(n1.url() + "/ipfs/" + search.module()));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(TestNetwork.get(URI.create(n1.url() + "/ipfs/..%2F..%2Fnode.key")).status()).isIn(400, 404);
    assertThat(TestNetwork.get(URI.create(n1.url() + "/ipfs/node.key")).status()).isEqualTo(400);
    assertThat(TestNetwork.get(URI.create(n1.url() + "/health")).status()).isEqualTo(200);
    assertThat(TestNetwork.get(URI.create(n1.url() + "/metrics")).body()).contains("tandem_registry_services");
  }
}
