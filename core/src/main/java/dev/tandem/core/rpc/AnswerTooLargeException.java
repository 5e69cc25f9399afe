package dev.tandem.core.rpc;

import java.io.IOException;

/** An answer longer than the request allowed: the transport stopped reading it and hung up. */
public final class AnswerTooLargeException extends IOException {
  private final long max;

  public AnswerTooLargeException(long max) {
    super("the answer is larger than " + max + " bytes");
    this.max = max;
  }

  /** The most the request allowed, in bytes. */
  public long max() {
    return max;
  }
}
