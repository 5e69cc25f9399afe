package dev.tandem.core.score;

/**
 * What a server did in one exchange, and what it is worth (docs/protocol.md, "Scores"; numbers after in3 and PATH).
 * Conviction is not an event: it sets the score to 0 and blacklists the server, see {@link Scores#convict}.
 */
public enum ScoreEvent {
  /** A valid, signed answer in good time. */
  SUCCESS(+1),
  /** A valid answer, but slower than the slow threshold. */
  SLOW(-1),
  /** A non-deterministic error (overloaded, timeout on the node, module not ready): the node said it cannot. */
  ERROR(-3),
  /** No answer: connection refused, reset, or no answer before the deadline. */
  UNREACHABLE(-10),
  /**
   * An answer that is not a vote: not JSON, not JSON-RPC, an unsigned deterministic answer, a signature that does
   * not verify, or an attestation for another server, service, request or response.
   */
  INVALID(-10);

  private final int delta;

  ScoreEvent(int delta) {
    this.delta = delta;
  }

  /** How much the score changes. */
  public int delta() {
    return delta;
  }
}
