package dev.tandem.sandbox;

import dev.tandem.sandbox.engine.TrapKind;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An in-memory output stream with a byte limit. Past the limit it either stops the module (stdout: the response
 * cannot be complete, so the call ends with {@link TrapKind#OUTPUT_TOO_LARGE} at that exact write, the same on every
 * node) or silently drops the rest (stderr: only logs).
 */
final class BoundedOutput extends OutputStream {
  /** Unwinds the module from inside a host call when stdout overflows; mapped to OUTPUT_TOO_LARGE. */
  static final class LimitExceeded extends RuntimeException {
    LimitExceeded(String message) {
      super(message, null, false, false);
    }
  }

  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private final int limit;
  private final boolean stopOnOverflow;
  private boolean overflowed;
  private long attempted;

  private BoundedOutput(int limit, boolean stopOnOverflow) {
    this.limit = limit;
    this.stopOnOverflow = stopOnOverflow;
  }

  static BoundedOutput stopping(int limit) {
    return new BoundedOutput(limit, true);
  }

  static BoundedOutput truncating(int limit) {
    return new BoundedOutput(limit, false);
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    attempted += len;
    int room = limit - buffer.size();
    if (len <= room) {
      buffer.write(b, off, len);
      return;
    }
    buffer.write(b, off, Math.max(room, 0));
    overflowed = true;
    if (stopOnOverflow) {
      throw new LimitExceeded("output exceeds the limit of " + limit + " bytes");
    }
  }

  /** Bytes the module wrote, including those past the limit (what its host calls are charged for). */
  long attempted() {
    return attempted;
  }

  boolean overflowed() {
    return overflowed;
  }

  byte[] bytes() {
    return buffer.toByteArray();
  }

  /** The content as text for logs; invalid UTF-8 is replaced, a dropped tail is marked. */
  String text() {
    String s = buffer.toString(StandardCharsets.UTF_8);
    return overflowed ? s + "\n[truncated at " + limit + " bytes]" : s;
  }

  @Override
  public String toString() {
    return "BoundedOutput[" + buffer.size() + "/" + limit + (overflowed ? ", overflowed" : "") + "]";
  }
}
