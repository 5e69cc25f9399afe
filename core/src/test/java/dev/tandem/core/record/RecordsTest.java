package dev.tandem.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordsTest {
  private static final KeyPair OWNER = KeyPair.fromSeed(new byte[32]);
  private static final Cid MODULE = Cid.rawSha256(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});

  private static ServiceRecord service() {
    return ServiceRecord.builder().name("search").version("1.0").module(MODULE).home("http://127.0.0.1:8545")
        .description("full-text search").createdAt(1_700_000_000_000L).sign(OWNER);
  }

  private static ServerRecord server(KeyPair key, long seq) {
    return new ServerRecord(key.publicKey(), URI.create("http://127.0.0.1:7001"), List.of(service().serviceId()),
        List.of(), ServerRecord.Capacity.defaults(), seq, false, null).signedBy(key);
  }

  @Test
  void serviceRecordSignsVerifiesAndRoundTrips() throws Exception {
    ServiceRecord record = service();
    record.verifySignature();
    JsonNode json = Json.parse(record.toJson().toString());
    SignedRecord parsed = SignedRecord.fromJson(json);
    assertThat(parsed).isEqualTo(record);
    parsed.verifySignature();
    assertThat(((ServiceRecord) parsed).serviceId()).isEqualTo(record.serviceId()).startsWith("bafkrei");
  }

  @Test
  void serviceIdIgnoresTheSignatureButNotTheModule() {
    ServiceRecord a = service();
    ServiceRecord unsigned = ServiceRecord.fromJson(withoutSig(a.toJson()));
    assertThat(unsigned.serviceId()).isEqualTo(a.serviceId());
    ServiceRecord other = ServiceRecord.builder().name("search").version("1.0").home("http://127.0.0.1:8545")
        .module(Cid.rawSha256(new byte[] {1})).description("full-text search").createdAt(1_700_000_000_000L)
        .sign(OWNER);
    assertThat(other.serviceId()).isNotEqualTo(a.serviceId());
  }

  @Test
  void flippedSignatureByteIsRejectedNamingSig() {
    ObjectNode json = service().toJson();
    byte[] sig = Base64.getUrlDecoder().decode(json.get("sig").asText());
    sig[10] ^= 0x01;
    json.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    SignedRecord parsed = SignedRecord.fromJson(json);
    assertThatThrownBy(parsed::verifySignature).isInstanceOf(RecordException.class)
        .satisfies(e -> assertThat(((RecordException) e).field()).isEqualTo("sig"));
  }

  @Test
  void wrongKeyIsRejected() {
    KeyPair other = KeyPair.generate();
    ObjectNode json = service().toJson();
    json.put("owner", other.publicKey().toString()); // claims another owner, keeps the old signature
    assertThatThrownBy(() -> SignedRecord.fromJson(json).verifySignature()).isInstanceOf(RecordException.class)
        .hasMessageStartingWith("sig:");
    assertThatThrownBy(() -> ServiceRecord.builder().name("x").owner(OWNER.publicKey()).module(MODULE).sign(other))
        .hasMessageStartingWith("owner:");
  }

  @Test
  void oversizedFieldsAreRejectedNamingTheField() {
    ObjectNode json = service().toJson();
    json.put("description", "x".repeat(5000));
    assertThatThrownBy(() -> SignedRecord.fromJson(json)).isInstanceOf(RecordException.class)
        .hasMessageStartingWith("description:");
    ObjectNode big = server(OWNER, 1).toJson();
    var offers = big.putArray("offers");
    for (int i = 0; i < 1001; i++) {
      offers.add(Cid.rawSha256(new byte[] {(byte) i, (byte) (i >> 8)}).toString());
    }
    assertThatThrownBy(() -> SignedRecord.fromJson(big)).hasMessageStartingWith("offers:");
    ObjectNode limits = service().toJson();
    ((ObjectNode) limits.get("limits")).put("memoryPages", 70_000);
    assertThatThrownBy(() -> SignedRecord.fromJson(limits)).hasMessageStartingWith("limits.memoryPages:");
  }

  @Test
  void nonHttpUrlsAreRejectedNamingTheField() {
    ObjectNode json = server(OWNER, 1).toJson();
    json.put("url", "ftp://example.org/node");
    assertThatThrownBy(() -> SignedRecord.fromJson(json)).isInstanceOf(RecordException.class)
        .hasMessageStartingWith("url:").hasMessageContaining("ftp:");
    ObjectNode home = service().toJson();
    home.put("home", "javascript:alert(1)");
    assertThatThrownBy(() -> SignedRecord.fromJson(home)).hasMessageStartingWith("home:");
  }

  @Test
  void serverRecordsValidateSeqAndLists() {
    ServerRecord record = server(OWNER, 7);
    record.verifySignature();
    assertThat(SignedRecord.fromJson(record.toJson())).isEqualTo(record);
    ObjectNode neg = record.toJson();
    neg.put("seq", -1);
    assertThatThrownBy(() -> SignedRecord.fromJson(neg)).hasMessageStartingWith("seq:");
    ObjectNode dup = record.toJson();
    dup.putArray("rewards").add(MODULE.toString()).add(MODULE.toString());
    assertThatThrownBy(() -> SignedRecord.fromJson(dup)).hasMessageStartingWith("rewards[1]:");
    ObjectNode badCid = record.toJson();
    badCid.putArray("offers").add("bafy-not-a-cid");
    assertThatThrownBy(() -> SignedRecord.fromJson(badCid)).hasMessageStartingWith("offers[0]:");
    ObjectNode unknown = record.toJson();
    unknown.put("extra", 1);
    assertThatThrownBy(() -> SignedRecord.fromJson(unknown)).hasMessageStartingWith("extra:");
  }

  @Test
  void tamperedServerRecordFailsVerification() {
    ObjectNode json = server(OWNER, 3).toJson();
    json.put("seq", 4);
    assertThatThrownBy(() -> SignedRecord.fromJson(json).verifySignature()).hasMessageStartingWith("sig:");
  }

  private static ObjectNode withoutSig(ObjectNode json) {
    ObjectNode copy = json.deepCopy();
    copy.remove("sig");
    return copy;
  }
}
