package dev.tandem.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvidenceTest {
  static final String SERVICE = Cid.rawSha256(new byte[] {1, 2, 3}).toString();
  final KeyPair honest = KeyPair.fromSeed(new byte[32]);
  final KeyPair liar = KeyPair.fromSeed(seed(7));

  static byte[] seed(int b) {
    byte[] s = new byte[32];
    s[0] = (byte) b;
    return s;
  }

  static ObjectNode result(Object value) {
    ObjectNode r = Json.object();
    r.set("result", Json.mapper().valueToTree(value));
    return r;
  }

  static ServiceCall call() throws Exception {
    ObjectNode params = Json.object();
    params.put("q", "library");
    return ServiceCall.of("query", params);
  }

  Evidence conflict() throws Exception {
    ServiceCall call = call();
    ObjectNode right = result(List.of(1, 2));
    ObjectNode wrong = result(List.of(1));
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    signed.put(Attestation.sign(honest, SERVICE, call.requestHash(), ServiceCall.responseHash(right), 10), right);
    signed.put(Attestation.sign(liar, SERVICE, call.requestHash(), ServiceCall.responseHash(wrong), 10), wrong);
    return Evidence.of(SERVICE, call, signed);
  }

  @Test
  void conflictingAttestationsAreValidEvidenceAndSurviveTheJsonForm() throws Exception {
    Evidence e = conflict().check();
    assertThat(e.isConflict()).isTrue();
    assertThat(e.responseHashes()).hasSize(2);
    assertThat(e.signersOf(e.responseHashes().get(1))).containsExactly(liar.publicKey());
    JsonNode json = Json.parse(e.toJson().toString());
    assertThat(json.path("type").asText()).isEqualTo("tandem-evidence-v1");
    assertThat(json.path("request").path("method").asText()).isEqualTo("query");
    assertThat(json.path("requestHash").asText()).isEqualTo(call().requestHash());
    Evidence back = Evidence.fromJson(json).check();
    assertThat(back.attestations()).isEqualTo(e.attestations());
    assertThat(back.responses()).isEqualTo(e.responses());
    assertThat(back.toJson()).isEqualTo(e.toJson());
  }

  @Test
  void aSingleAttestationIsValidForReExecution() throws Exception {
    ServiceCall call = ServiceCall.of("ping", null);
    ObjectNode r = result("pong");
    Evidence e = Evidence.of(SERVICE, call, Map.of(
        Attestation.sign(liar, SERVICE, call.requestHash(), ServiceCall.responseHash(r), 1), r)).check();
    assertThat(e.isConflict()).isFalse();
    assertThat(Evidence.fromJson(e.toJson()).check().request().params().isNull()).isTrue();
  }

  @Test
  void agreeingAttestationsProveNothing() throws Exception {
    ServiceCall call = call();
    ObjectNode r = result(3);
    String h = ServiceCall.responseHash(r);
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    signed.put(Attestation.sign(honest, SERVICE, call.requestHash(), h, 1), r);
    signed.put(Attestation.sign(liar, SERVICE, call.requestHash(), h, 1), r);
    assertThatThrownBy(() -> Evidence.of(SERVICE, call, signed).check())
        .isInstanceOf(Evidence.InvalidEvidenceException.class).hasMessageContaining("no conflict");
  }

  @Test
  void aForgedSignatureIsRejectedNamingTheAttestation() throws Exception {
    ObjectNode json = conflict().toJson();
    ObjectNode att = (ObjectNode) json.get("attestations").get(1);
    byte[] sig = Base64.getUrlDecoder().decode(att.get("sig").asText());
    sig[5] ^= 1;
    att.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    assertThatThrownBy(() -> Evidence.fromJson(json).check())
        .isInstanceOfSatisfying(Evidence.InvalidEvidenceException.class,
            e -> assertThat(e.field()).isEqualTo("attestations[1].sig"))
        .hasMessageContaining("does not verify");
  }

  @Test
  void anAlteredRequestNoLongerMatchesTheAttestationsOrItsHash() throws Exception {
    ObjectNode json = conflict().toJson();
    ((ObjectNode) json.get("request").get("params")).put("q", "other");
    assertThatThrownBy(() -> Evidence.fromJson(json)).hasMessageContaining("requestHash");
    json.put("requestHash", Evidence.fromJson(withHashOf(json)).request().requestHash());
    assertThatThrownBy(() -> Evidence.fromJson(json).check()).hasMessageContaining("attestations[0].requestHash");
  }

  private static ObjectNode withHashOf(ObjectNode json) throws Exception {
    ObjectNode copy = json.deepCopy();
    copy.put("requestHash", ServiceCall.of(json.get("request").get("method").asText(),
        json.get("request").get("params")).requestHash());
    return copy;
  }

  @Test
  void anAttestationForAnotherServiceIsRejected() throws Exception {
    ServiceCall call = call();
    ObjectNode a = result(1);
    ObjectNode b = result(2);
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    signed.put(Attestation.sign(honest, SERVICE, call.requestHash(), ServiceCall.responseHash(a), 1), a);
    String other = Cid.rawSha256(new byte[] {9}).toString();
    signed.put(Attestation.sign(liar, other, call.requestHash(), ServiceCall.responseHash(b), 1), b);
    assertThatThrownBy(() -> Evidence.of(SERVICE, call, signed).check())
        .hasMessageContaining("attestations[1].service");
  }

  @Test
  void aResponseThatDoesNotHashToItsKeyIsRejected() throws Exception {
    ObjectNode json = conflict().toJson();
    ObjectNode responses = (ObjectNode) json.get("responses");
    String first = responses.fieldNames().next();
    responses.set(first, result("tampered"));
    assertThatThrownBy(() -> Evidence.fromJson(json).check()).hasMessageContaining("responses." + first)
        .hasMessageContaining("hashes to");
  }

  @Test
  void malformedJsonIsRejectedWithTheField() throws Exception {
    assertThatThrownBy(() -> Evidence.fromJson(Json.parse("[]"))).hasMessageContaining("evidence: evidence");
    ObjectNode json = conflict().toJson();
    json.put("extra", 1);
    assertThatThrownBy(() -> Evidence.fromJson(json)).hasMessageContaining("extra: unknown field");
    ObjectNode noType = conflict().toJson();
    noType.remove("type");
    assertThatThrownBy(() -> Evidence.fromJson(noType)).hasMessageContaining("type");
    ObjectNode badAtt = conflict().toJson();
    ((ArrayNode) badAtt.get("attestations")).add(Json.object());
    assertThatThrownBy(() -> Evidence.fromJson(badAtt)).hasMessageContaining("attestations[2]");
    ObjectNode missing = conflict().toJson();
    ObjectNode responses = (ObjectNode) missing.get("responses");
    responses.remove(responses.fieldNames().next());
    assertThatThrownBy(() -> Evidence.fromJson(missing).check()).hasMessageContaining("has no response");
    ObjectNode empty = conflict().toJson();
    ((ArrayNode) empty.get("attestations")).removeAll();
    ((ObjectNode) empty.get("responses")).removeAll();
    assertThatThrownBy(() -> Evidence.fromJson(empty).check()).hasMessageContaining("must not be empty");
  }
}
