package dev.tandem.core.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The committed protocol vectors are exactly what the Java implementation computes today, and they read back
 * through the same parsers a node uses. The TypeScript client's tests check the same file, so the two
 * implementations agree on every hash, id and signature in it. A protocol change shows up here first: regenerate
 * with {@code -Dtandem.vectors.write=true} and review the diff.
 */
class ProtocolVectorsTest {
  @Test
  void theCommittedVectorsAreWhatJavaComputes() throws Exception {
    String fresh = ProtocolVectors.generate();
    Path file = Path.of(ProtocolVectors.FILE);
    if (Boolean.getBoolean("tandem.vectors.write")) {
      Files.writeString(file, fresh);
    }
    assertThat(Files.readString(file)).as("%s (regenerate with -Dtandem.vectors.write=true)", file)
        .isEqualTo(fresh);
  }

  @Test
  void theVectorsReadBackThroughTheProtocolParsers() throws Exception {
    JsonNode v = Json.parse(Files.readAllBytes(Path.of(ProtocolVectors.FILE)));
    SignedRecord service = SignedRecord.fromJson(v.at("/records/service/record"));
    service.verifySignature();
    SignedRecord.fromJson(v.at("/records/server/record")).verifySignature();
    Assertions.assertThatThrownBy(() -> SignedRecord.fromJson(v.at("/records/tamperedService")).verifySignature())
        .isInstanceOf(RecordException.class);
    for (JsonNode a : v.get("attestations")) {
      Attestation att = Attestation.fromJson(a.get("attestation"));
      assertThat(att.verifies()).as(a.get("name").asText()).isEqualTo(a.get("valid").asBoolean());
      if (att.verifies()) {
        assertThat(att.signedFuel()).isEqualTo(a.get("signedFuel").asLong());
      }
    }
    for (JsonNode e : v.get("evidence")) {
      assertThat(Evidence.fromJson(e.get("evidence")).check().id()).isEqualTo(e.get("id").asText());
    }
    JsonNode first = v.at("/evidence/0");
    assertThat(PublicKey.parse(first.get("reporter").asText()).verify(
        Evidence.reportMessage(first.get("id").asText()),
        Base64.getUrlDecoder().decode(first.get("reporterSig").asText()))).isTrue();
    assertThat(v.at("/evidence/1/id").asText()).isEqualTo(first.get("id").asText());
    for (JsonNode k : v.get("keys")) {
      assertThat(PublicKey.parse(k.get("publicKey").asText()).verify(
          k.get("message").asText().getBytes(StandardCharsets.UTF_8),
          Base64.getUrlDecoder().decode(k.get("sig").asText()))).isTrue();
    }
  }
}
