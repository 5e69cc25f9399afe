package dev.tandem.sandbox;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The bytes WASI {@code random_get} returns: a stream that depends only on the request, so every node hands a
 * module the same "random" bytes. Block {@code i} of the stream is
 * {@code SHA-256("tandem-wasi-random-v1" || SHA-256(request) || u64be(i))}; bytes are consumed in order, so the
 * sizes of the module's {@code random_get} calls do not change what it sees. Not secret: anyone who knows the
 * request can compute it.
 *
 * <p>It is a {@link Random} only so it can also be handed to code that wants one; all of {@code Random}'s methods
 * draw from the same byte stream.
 */
final class DeterministicRandom extends Random {
  private static final long serialVersionUID = 1L;
  private static final byte[] DOMAIN = "tandem-wasi-random-v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] seed;
  private final byte[] block = new byte[32];
  private int used = block.length;
  private long counter;
  private transient MessageDigest sha256;

  DeterministicRandom(byte[] request) {
    super(0); // Random's own state is never used
    this.seed = digest().digest(request);
  }

  /** Fills {@code out[off..off+len)} with the next bytes of the stream. */
  void fill(byte[] out, int off, int len) {
    int end = off + len;
    while (off < end) {
      if (used == block.length) {
        refill();
      }
      int n = Math.min(block.length - used, end - off);
      System.arraycopy(block, used, out, off, n);
      used += n;
      off += n;
    }
  }

  @Override
  public void nextBytes(byte[] bytes) {
    fill(bytes, 0, bytes.length);
  }

  @Override
  protected int next(int bits) {
    byte[] four = new byte[4];
    fill(four, 0, 4);
    int v = ((four[0] & 0xff) << 24) | ((four[1] & 0xff) << 16) | ((four[2] & 0xff) << 8) | (four[3] & 0xff);
    return v >>> (32 - bits);
  }

  @Override
  public synchronized void setSeed(long ignored) {
    // Random's constructor calls this; the stream is fixed by the request.
  }

  private void refill() {
    MessageDigest md = digest();
    md.update(DOMAIN);
    md.update(seed);
    for (int shift = 56; shift >= 0; shift -= 8) {
      md.update((byte) (counter >>> shift));
    }
    counter++;
    try {
      md.digest(block, 0, block.length);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("SHA-256 output does not fit 32 bytes", e);
    }
    used = 0;
  }

  private MessageDigest digest() {
    if (sha256 == null) {
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }
    sha256.reset();
    return sha256;
  }
}
