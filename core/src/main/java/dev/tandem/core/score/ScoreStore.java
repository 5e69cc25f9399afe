package dev.tandem.core.score;

import dev.tandem.core.crypto.PublicKey;
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

  @Override
  default void close() {}
}
