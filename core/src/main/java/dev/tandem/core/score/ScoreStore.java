package dev.tandem.core.score;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.rpc.LogPosition;
import java.net.URI;
import java.util.Map;

/**
 * Where {@link Scores} keeps its numbers between runs. A standalone client uses {@link FileScoreStore}; a node keeps
 * them in its own database. Implementations need not be thread-safe: {@link Scores} calls them under its lock.
 * Failures are unchecked ({@link java.io.UncheckedIOException} or the store's own), with a message naming the store.
 */
public interface ScoreStore extends AutoCloseable {

  /** Every stored score, read once when {@link Scores} is created. */
  Map<PublicKey, ServerScore> loadAll();

  /** Stores the entries that changed since the last call (an upsert per key; keys not given stay as they are). */
  void storeAll(Map<PublicKey, ServerScore> changed);

  /**
   * How far a client has read each node's evidence feed ({@code tandem_evidence}), kept with the scores its
   * convictions went into, so that a restart reads only what is new. Empty for a store that keeps none (a node's).
   */
  default Map<URI, LogPosition> feedPositions() {
    return Map.of();
  }

  /** Stores the feed positions that moved (an upsert per node); a store that keeps none ignores them. */
  default void storeFeedPositions(Map<URI, LogPosition> moved) {}

  @Override
  default void close() {}
}
