package dev.tandem.client;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.util.List;
import java.util.function.ToDoubleFunction;
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

  /** Removes and returns one of {@code remaining}, drawn by weight; uniformly when every weight is 0. */
  ServerRecord pick(List<ServerRecord> remaining, ToDoubleFunction<PublicKey> weight) {
    if (remaining.isEmpty()) {
      throw new IllegalStateException("no candidate left");
    }
    double[] w = new double[remaining.size()];
    double total = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.max(0, weight.applyAsDouble(remaining.get(i).key()));
      total += w[i];
    }
    double r;
    synchronized (this) { // RandomGenerator implementations are generally not thread-safe
      r = random.nextDouble();
    }
    int chosen = w.length - 1;
    if (total <= 0) {
      chosen = Math.min(w.length - 1, (int) (r * w.length));
    } else {
      double at = r * total;
      for (int i = 0; i < w.length; i++) {
        at -= w[i];
        if (at < 0) {
          chosen = i;
          break;
        }
      }
    }
    return remaining.remove(chosen);
  }
}
