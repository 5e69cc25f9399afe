package dev.tandem.client;

import java.util.random.RandomGenerator;

/**
 * Weighted random choice of the next server to ask, as in3 and PATH do: a server's chance is proportional to its
 * weight (score × latency factor × ramp after a conviction, see {@link dev.tandem.core.score.Scores#weight}).
 * Candidates come in a stable order (sorted by key), so a seeded generator gives reproducible choices.
 */
final class Selector {
  private final RandomGenerator random;

  Selector(RandomGenerator random) {
    this.random = random;
  }

  /** True with probability {@code p}. */
  boolean chance(double p) {
    synchronized (this) {
      return random.nextDouble() < p;
    }
  }

  /**
   * The index of one of the first {@code n} weights {@code w}, drawn by weight (negative ones count as 0); uniformly
   * when every weight is 0.
   */
  int pickIndex(double[] w, int n) {
    if (n < 1) {
      throw new IllegalStateException("no candidate left");
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += Math.max(0, w[i]);
    }
    double r;
    synchronized (this) { // RandomGenerator implementations are generally not thread-safe
      r = random.nextDouble();
    }
    if (total <= 0) {
      return Math.min(n - 1, (int) (r * n));
    }
    double at = r * total;
    for (int i = 0; i < n; i++) {
      at -= Math.max(0, w[i]);
      if (at < 0) {
        return i;
      }
    }
    return n - 1;
  }
}
