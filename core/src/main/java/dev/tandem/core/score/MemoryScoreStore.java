package dev.tandem.core.score;

import dev.tandem.core.crypto.PublicKey;
import java.util.HashMap;
import java.util.Map;

/** Keeps scores only for the life of the process: for tests and short-lived clients. */
public final class MemoryScoreStore implements ScoreStore {
  private final Map<PublicKey, ServerScore> scores = new HashMap<>();

  @Override
  public synchronized Map<PublicKey, ServerScore> loadAll() {
    return Map.copyOf(scores);
  }

  @Override
  public synchronized void storeAll(Map<PublicKey, ServerScore> changed) {
    scores.putAll(changed);
  }
}
