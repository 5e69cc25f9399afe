package dev.tandem.core.crypto;

import dev.tandem.core.cid.Base58;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key, written {@code ed25519:<base58btc of the 32 key bytes>}. Immutable; equal by value.
 */
public final class PublicKey implements Comparable<PublicKey> {
  public static final String PREFIX = "ed25519:";
  /**
   * Decoded keys, ready to verify with: decoding a point costs about a tenth of a verification, and clients and nodes
   * verify the same few servers' signatures over and over. Bounded by clearing it when full.
   */
  private static final Map<PublicKey, Ed25519PublicKeyParameters> DECODED = new ConcurrentHashMap<>();
  private static final int MAX_DECODED = 4096;
  private final byte[] bytes;
  /** Hashed once: keys are looked up in maps on every call's choice of servers and every gossiped record. */
  private final int hash;
  /** Encoded when first asked for (Base58 costs more than the rest of a key), then kept. A benign race. */
  private String text;

  private PublicKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
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
    Ed25519PublicKeyParameters key = DECODED.get(this);
    if (key == null) {
      if (DECODED.size() >= MAX_DECODED) {
        DECODED.clear();
      }
      try {
        key = new Ed25519PublicKeyParameters(bytes, 0);
      } catch (IllegalArgumentException e) {
        return false; // 32 bytes that are no point on the curve: nothing verifies under them
      }
      DECODED.put(this, key);
    }
    return key.verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, signature, 0);
  }

  @Override
  public String toString() {
    String t = text;
    if (t == null) {
      text = t = PREFIX + Base58.encode(bytes);
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublicKey other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(PublicKey o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
