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
 * @param confirmed    answers of its that were confirmed: by a re-run of the observer's own (referee, audit) or by
 *                     agreement with an established server of another operator; below
 *                     {@link Scores#PROBATION} it is on probation
 */
public record ServerScore(int score, long convictedAt, double latencyMs, long updatedAt, long successes,
    long failures, long confirmed) {

  /** A score without confirmations (as stored before they were counted). */
  public ServerScore(int score, long convictedAt, double latencyMs, long updatedAt, long successes, long failures) {
    this(score, convictedAt, latencyMs, updatedAt, successes, failures, 0);
  }

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

  /** Whether enough of its answers were confirmed for its agreement to count on its own. */
  public boolean established() {
    return confirmed >= Scores.PROBATION;
  }

  /** Whether it has ever been convicted. */
  public boolean everConvicted() {
    return convictedAt > 0;
  }
}
