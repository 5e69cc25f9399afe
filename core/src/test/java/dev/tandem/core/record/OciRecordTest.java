package dev.tandem.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import org.junit.jupiter.api.Test;

class OciRecordTest {
  private static final KeyPair OWNER = KeyPair.fromSeed(new byte[32]);
  private static final String IMAGE = "127.0.0.1:5000/tandem/tally@sha256:" + "ab".repeat(32);

  private static ServiceRecord oci() {
    return ServiceRecord.builder().name("tally").oci(new OciSpec(IMAGE, 8080, "/call", 64, 500, 16))
        .createdAt(1_700_000_000_000L).sign(OWNER);
  }

  @Test
  void ociRecordSignsVerifiesAndRoundTrips() throws Exception {
    ServiceRecord record = oci();
    record.verifySignature();
    ObjectNode json = record.toJson();
    assertThat(json.get("runtime").asText()).isEqualTo("oci");
    assertThat(json.get("image").asText()).isEqualTo(IMAGE);
    assertThat(json.has("module")).isFalse();
    ServiceRecord parsed = (ServiceRecord) SignedRecord.fromJson(Json.parse(json.toString()));
    parsed.verifySignature();
    assertThat(parsed).isEqualTo(record);
    assertThat(parsed.isOci()).isTrue();
    assertThat(parsed.oci().digest()).isEqualTo("sha256:" + "ab".repeat(32));
    assertThat(parsed.oci().repository()).isEqualTo("127.0.0.1:5000/tandem/tally");
    assertThat(parsed.code()).isEqualTo(IMAGE);
    assertThat(parsed.serviceId()).isEqualTo(record.serviceId());
  }

  @Test
  void wasmRecordsGainNoMember() {
    ServiceRecord wasm = ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {1}))
        .createdAt(1_700_000_000_000L).sign(OWNER);
    assertThat(wasm.unsignedJson().has("runtime")).isFalse();
    assertThat(wasm.unsignedJson().has("image")).isFalse();
    assertThat(wasm.unsignedJson().has("container")).isFalse();
    assertThat(wasm.runtime()).isEqualTo("wasm");
    // the id of this exact record before OCI records existed
    assertThat(wasm.serviceId()).isEqualTo("bafkreicfcazwezin6eoh2pegmf7sxvo33y4kerqsv5ujwuugrewy2guwbm");
  }

  @Test
  void aTagIsRefusedWithWhatToWriteInstead() {
    assertThatThrownBy(() -> OciSpec.of("127.0.0.1:5000/tandem/tally:latest", 8080))
        .isInstanceOf(RecordException.class)
        .hasMessageContaining("image")
        .hasMessageContaining("pinned by digest as REGISTRY/REPO@sha256:DIGEST")
        .hasMessageContaining(":latest");
    assertThatThrownBy(() -> OciSpec.of("tally@sha256:abc", 8080)).hasMessageContaining("64 lowercase hex");
    ObjectNode json = oci().toJson();
    json.put("image", "127.0.0.1:5000/tandem/tally:v1");
    assertThatThrownBy(() -> SignedRecord.fromJson(json)).isInstanceOf(RecordException.class)
        .satisfies(e -> assertThat(((RecordException) e).field()).isEqualTo("image"));
  }

  @Test
  void moduleAndImageAreExclusiveAndLimitsAreChecked() {
    ObjectNode both = oci().toJson();
    both.put("module", Cid.rawSha256(new byte[] {1}).toString());
    assertThatThrownBy(() -> SignedRecord.fromJson(both)).hasMessageContaining("module");
    ObjectNode noRuntime = oci().toJson();
    noRuntime.remove("runtime");
    assertThatThrownBy(() -> SignedRecord.fromJson(noRuntime)).hasMessageContaining("runtime");
    ObjectNode badPids = oci().toJson();
    ((ObjectNode) badPids.get("container")).put("pids", 0);
    assertThatThrownBy(() -> SignedRecord.fromJson(badPids)).isInstanceOf(RecordException.class)
        .satisfies(e -> assertThat(((RecordException) e).field()).isEqualTo("container.pids"));
    ObjectNode extra = oci().toJson();
    ((ObjectNode) extra.get("container")).put("privileged", true);
    assertThatThrownBy(() -> SignedRecord.fromJson(extra)).hasMessageContaining("container.privileged");
    assertThatThrownBy(() -> new OciSpec(IMAGE, 8080, "no-slash", 64, 500, 16)).hasMessageContaining("path");
  }
}
