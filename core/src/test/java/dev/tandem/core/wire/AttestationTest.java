package dev.tandem.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AttestationTest {
  final KeyPair server = KeyPair.fromSeed(EvidenceTest.seed(3));
  final KeyPair other = KeyPair.fromSeed(EvidenceTest.seed(4));

  @Test
  void version2SignsTheFuel() throws Exception {
    ServiceCall call = EvidenceTest.call();
    ObjectNode r = EvidenceTest.result("x");
    Attestation a = Attestation.sign(server, EvidenceTest.SERVICE, call.requestHash(), ServiceCall.responseHash(r), 42);
    assertThat(a.version()).isEqualTo(2);
    assertThat(a.verifies()).isTrue();
    assertThat(a.signedFuel()).isEqualTo(42);
    ObjectNode json = a.toJson();
    assertThat(json.path("v").asInt()).isEqualTo(2);
    assertThat(Attestation.fromJson(json)).isEqualTo(a);
    json.put("fuel", 43);
    assertThat(Attestation.fromJson(json).verifies()).as("fuel changed by a relay").isFalse();
    json.put("fuel", 42);
    json.remove("v");
    assertThat(Attestation.fromJson(json).verifies()).as("a v2 signature read as v1").isFalse();
  }

  @Test
  void theTextANodeWritesIsTheJsonTreePrinted() throws Exception {
    String hash = "0123456789abcdef".repeat(4);
    for (String service : List.of(EvidenceTest.SERVICE, "with \"quote\" and \\", "tab\there", "naïve ✓", "")) {
      for (int version : new int[] {1, 2}) {
        for (long fuel : new long[] {0, 42, Long.MAX_VALUE}) {
          Attestation a = new Attestation(version, server.publicKey(), service, hash, hash, fuel, new byte[64]);
          assertThat(a.toJsonText()).isEqualTo(a.toJson().toString());
          assertThat(Attestation.fromJson(Json.parse(a.toJsonText()))).isEqualTo(a);
        }
      }
    }
    Attestation signed = Attestation.sign(server, EvidenceTest.SERVICE, hash, hash, 7);
    assertThat(signed.toJsonText()).isEqualTo(signed.toJson().toString());
  }

  @Test
  void version1StillVerifiesButItsFuelIsNotBelieved() throws Exception {
    ServiceCall call = EvidenceTest.call();
    String responseHash = ServiceCall.responseHash(EvidenceTest.result("x"));
    byte[] sig = server.sign(("tandem-attestation-v1\n" + EvidenceTest.SERVICE + call.requestHash() + responseHash)
        .getBytes(StandardCharsets.UTF_8));
    Attestation v1 = new Attestation(1, server.publicKey(), EvidenceTest.SERVICE, call.requestHash(), responseHash,
        999, sig);
    ObjectNode json = v1.toJson();
    assertThat(json.has("v")).isFalse();
    Attestation back = Attestation.fromJson(json);
    assertThat(back.version()).isEqualTo(1);
    assertThat(back.verifies()).isTrue();
    assertThat(back.signedFuel()).isZero();
  }

  @Test
  void fuelVariantsAndOrderOfOneEvidenceGiveOneId() throws Exception {
    ServiceCall call = EvidenceTest.call();
    ObjectNode right = EvidenceTest.result(List.of(1, 2));
    ObjectNode wrong = EvidenceTest.result(List.of(1));
    Set<String> ids = new HashSet<>();
    for (long fuel = 1; fuel <= 20; fuel++) {
      Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
      signed.put(Attestation.sign(server, EvidenceTest.SERVICE, call.requestHash(), ServiceCall.responseHash(right),
          fuel), right);
      signed.put(Attestation.sign(other, EvidenceTest.SERVICE, call.requestHash(), ServiceCall.responseHash(wrong),
          fuel * 7), wrong);
      Evidence e = Evidence.of(EvidenceTest.SERVICE, call, signed).check();
      ids.add(e.id());
      // The same attestations listed the other way round.
      List<Attestation> reversed = new ArrayList<>(e.attestations()).reversed();
      ids.add(new Evidence(e.service(), call, reversed, e.responses()).check().id());
      // An unsigned v1-style edit of the fuel in the JSON form: the signature fails, the id does not move.
      ObjectNode json = e.toJson();
      ((ObjectNode) json.get("attestations").get(0)).put("fuel", fuel + 1000);
      ids.add(Evidence.fromJson(json).id());
    }
    assertThat(ids).hasSize(1);
    Map<Attestation, JsonNode> single = Map.of(Attestation.sign(other, EvidenceTest.SERVICE, call.requestHash(),
        ServiceCall.responseHash(wrong), 1), wrong);
    assertThat(Evidence.of(EvidenceTest.SERVICE, call, single).id()).isNotIn(ids);
  }
}
