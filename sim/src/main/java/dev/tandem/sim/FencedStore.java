package dev.tandem.sim;

import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.ServerScore;
import dev.tandem.core.crypto.PublicKey;
import java.util.Map;
import java.util.TreeMap;

/**
 * A score store that outlives the processes using it, like a file or a node's database. Each process incarnation
 * writes through its own view; after a crash that view is fenced off, so a dead process writes nothing: its
 * unflushed changes are lost and its late answers change nothing. {@link dev.tandem.core.score.Scores} stores
 * convictions at once and the rest now and then, so a crash loses exactly what it would lose for real.
 */
final class FencedStore {
  private final TreeMap<PublicKey, ServerScore> stored = new TreeMap<>();
  private View current;

  /** The view of a new incarnation; the previous one is fenced off. */
  ScoreStore open() {
    fence();
    current = new View();
    return current;
  }

  /** The process crashed: its view writes nothing any more. */
  void fence() {
    if (current != null) {
      current.alive = false;
      current = null;
    }
  }

  private final class View implements ScoreStore {
    private boolean alive = true;

    @Override
    public Map<PublicKey, ServerScore> loadAll() {
      return new TreeMap<>(stored);
    }

    @Override
    public void storeAll(Map<PublicKey, ServerScore> changed) {
      if (alive) {
        stored.putAll(changed);
      }
    }

    @Override
    public void close() {
      alive = false;
    }
  }
}
