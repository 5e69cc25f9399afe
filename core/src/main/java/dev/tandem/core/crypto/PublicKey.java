package dev.tandem.core.crypto;

import dev.tandem.core.cid.Base58;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 public key, written {@code ed25519:<base58btc of the 32 key bytes>}. Immutable; equal by value.
 */
public final class PublicKey implements Comparable<PublicKey> {
  public static final String PREFIX = "ed25519:";
  private final byte[] bytes;
  private final String text;

  private PublicKey(byte[] bytes) {
    this.bytes = bytes;
    this.text = PREFIX + Base58.encode(bytes);
  }

  /** Wraps 32 raw key bytes. */
  public static PublicKey of(byte[] raw) {
    if (raw == null || raw.length != 32) {
      throw new KeyFormatException("an Ed25519 public key has 32 bytes, got " + (raw == null ? 0 : raw.length));
    }
    return new PublicKey(raw.clone());
  }

  /** Parses {@code ed25519:<base58btc>}; the exception says what is wrong. */
  public static PublicKey parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new KeyFormatException("not a key: empty");
    }
    if (!text.startsWith(PREFIX)) {
      throw new KeyFormatException("not a key: '" + abbreviate(text) + "' does not start with '" + PREFIX + "'");
    }
    byte[] raw;
    try {
      raw = Base58.decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new KeyFormatException("not a key: " + e.getMessage());
    }
    if (raw.length != 32) {
      throw new KeyFormatException("not a key: an Ed25519 public key has 32 bytes, '" + abbreviate(text)
          + "' has " + raw.length);
    }
    return new PublicKey(raw);
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  /** Whether {@code signature} is this key's Ed25519 signature of {@code message}. Never throws on bad input. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != 64) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(bytes, 0));
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublicKey other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(PublicKey o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
