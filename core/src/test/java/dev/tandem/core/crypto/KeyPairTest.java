package dev.tandem.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyPairTest {
  @TempDir Path dir;

  @Test
  void signsAndVerifies() {
    KeyPair key = KeyPair.generate();
    byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    assertThat(sig).hasSize(64);
    assertThat(key.publicKey().verify(msg, sig)).isTrue();
    sig[5] ^= 1;
    assertThat(key.publicKey().verify(msg, sig)).isFalse();
    assertThat(KeyPair.generate().publicKey().verify(msg, key.sign(msg))).isFalse();
  }

  @Test
  void verifyingUnderAnyThirtyTwoBytesNeverThrowsAndAcceptsNoForgery() {
    byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] sig = KeyPair.generate().sign(msg);
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 200; i++) { // about half of all 32-byte strings are no point on the curve
      byte[] raw = new byte[32];
      random.nextBytes(raw);
      PublicKey key = PublicKey.of(raw);
      assertThat(key.verify(msg, sig)).isFalse();
      assertThat(key.verify(msg, sig)).as("again, decoded once").isFalse();
    }
    KeyPair signer = KeyPair.generate();
    for (int i = 0; i < 3; i++) { // the decoded key is reused: same answers every time
      assertThat(signer.publicKey().verify(msg, signer.sign(msg))).isTrue();
      assertThat(signer.publicKey().verify(msg, sig)).isFalse();
    }
  }

  @Test
  void rfc8032TestVector1() {
    // RFC 8032 §7.1, TEST 1: empty message.
    byte[] seed = java.util.HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    KeyPair key = KeyPair.fromSeed(seed);
    assertThat(java.util.HexFormat.of().formatHex(key.publicKey().bytes()))
        .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assertThat(java.util.HexFormat.of().formatHex(key.sign(new byte[0]))).isEqualTo(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  }

  @Test
  void keyStringsRoundTrip() {
    PublicKey key = KeyPair.generate().publicKey();
    assertThat(key.toString()).startsWith("ed25519:");
    assertThat(PublicKey.parse(key.toString())).isEqualTo(key);
  }

  @Test
  void malformedKeyStringsSayWhatIsWrong() {
    assertThatThrownBy(() -> PublicKey.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> PublicKey.parse("rsa:abc")).hasMessageContaining("ed25519:");
    assertThatThrownBy(() -> PublicKey.parse("ed25519:0OIl")).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> PublicKey.parse("ed25519:abc")).hasMessageContaining("32 bytes");
  }

  @Test
  void keyFileIsOwnerOnlyAndRoundTrips() throws Exception {
    Path file = dir.resolve("node.key");
    KeyPair key = KeyPair.generate();
    key.writeTo(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(KeyPair.readFrom(file).publicKey()).isEqualTo(key.publicKey());
    assertThat(KeyPair.loadOrCreate(file).publicKey()).isEqualTo(key.publicKey());
    assertThatThrownBy(() -> key.writeTo(file)).hasMessageContaining("overwrite");
  }

  @Test
  void badKeyFilesGiveClearErrors() throws Exception {
    Path file = dir.resolve("bad.key");
    Files.writeString(file, "not json");
    assertThatThrownBy(() -> KeyPair.readFrom(file)).isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> KeyPair.readFrom(dir.resolve("missing.key"))).hasMessageContaining("does not exist");
  }
}
