package dev.tandem.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SigningTest {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 8032 section 7.1, tests 1–3: seed, message, signature. */
  private static final String[][] RFC8032 = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "",
          "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "72",
          "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "af82",
          "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
  };

  private static Signing nativeSigning() {
    Signing s = Signing.load(Signing.DEFAULT_LIBRARY);
    assumeTrue(s.isNative(), "libsodium not usable here: " + s.description());
    return s;
  }

  @Test
  void libsodiumMakesTheRfc8032Signatures() {
    Signing sodium = nativeSigning();
    for (String[] v : RFC8032) {
      KeyPair key = KeyPair.fromSeed(HEX.parseHex(v[0]));
      assertThat(HEX.formatHex(key.signWith(sodium, HEX.parseHex(v[1])))).isEqualTo(v[2]);
    }
  }

  @Test
  void libsodiumAndBouncyCastleSignByteForByteAlike() {
    Signing sodium = nativeSigning();
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      KeyPair key = KeyPair.fromSeed(seed);
      byte[] msg = new byte[i % 10 == 0 ? 0 : random.nextInt(4096)];
      random.nextBytes(msg);
      byte[] sig = key.signWith(sodium, msg);
      assertThat(sig).as("key %d, %d-byte message", i, msg.length).isEqualTo(key.signWithBouncyCastle(msg));
      assertThat(key.publicKey().verify(msg, sig)).isTrue();
    }
  }

  @Test
  void messagesAroundTheNativeLimitSignAlike() {
    Signing sodium = nativeSigning();
    KeyPair key = KeyPair.fromSeed(new byte[32]);
    Random random = new Random(1);
    for (int len : new int[] {Signing.MAX_NATIVE_MESSAGE - 1, Signing.MAX_NATIVE_MESSAGE,
        Signing.MAX_NATIVE_MESSAGE + 1, 1 << 20}) {
      byte[] msg = new byte[len];
      random.nextBytes(msg);
      assertThat(key.signWith(sodium, msg)).isEqualTo(key.signWithBouncyCastle(msg));
    }
  }

  @Test
  void aWrongLibraryPathFallsBackToBouncyCastle() {
    Signing fallback = Signing.load("/nonexistent/dir/libsodium.so.23");
    assertThat(fallback.isNative()).isFalse();
    assertThat(fallback.description()).startsWith("BouncyCastle");
    Signing notSodium = Signing.load("libc.so.6"); // loads, but has no such function
    assertThat(notSodium.isNative()).isFalse();
    assertThat(notSodium.description()).startsWith("BouncyCastle");
    for (String[] v : RFC8032) {
      KeyPair key = KeyPair.fromSeed(HEX.parseHex(v[0]));
      assertThat(HEX.formatHex(key.signWith(fallback, HEX.parseHex(v[1])))).isEqualTo(v[2]);
      assertThat(HEX.formatHex(key.signWith(notSodium, HEX.parseHex(v[1])))).isEqualTo(v[2]);
    }
  }

  @Test
  void theJvmsSignerSaysWhichItIs() {
    assertThat(Signing.implementation()).matches("(libsodium|BouncyCastle) \\(.*\\)");
    KeyPair key = KeyPair.generate();
    byte[] msg = "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(key.sign(msg)).isEqualTo(key.signWithBouncyCastle(msg));
  }
}
