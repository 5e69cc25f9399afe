package dev.tandem.core.score;

/**
 * One observer's view of one server.
 *
 * @param score        0…100; new servers start at {@link Scores#INITIAL}
 * @param convictedAt  when the server was last convicted of a lie (epoch ms), or 0 if never
 * @param latencyMs    moving average (EWMA) of its answer time in ms, or 0 when not measured yet
 * @param updatedAt    when this entry last changed (epoch ms)
 * @param successes    valid answers seen
 * @param failures     exchanges that were not valid answers (errors, timeouts, garbage)
 */
public record ServerScore(int score, long convictedAt, double latencyMs, long updatedAt, long successes,
    long failures) {

  public ServerScore {
    if (score < 0 || score > Scores.MAX) {
      throw new IllegalArgumentException("score must be 0.." + Scores.MAX + ", got " + score);
    }
    if (!(latencyMs >= 0) || Double.isInfinite(latencyMs)) {
      throw new IllegalArgumentException("latencyMs must be a finite number >= 0, got " + latencyMs);
    }
  }

  /** A server never seen before. */
  public static ServerScore initial() {
    return new ServerScore(Scores.INITIAL, 0, 0, 0, 0, 0);
  }

  /** Whether it has ever been convicted. */
  public boolean everConvicted() {
    return convictedAt > 0;
  }
}
