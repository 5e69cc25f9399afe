package dev.tandem.core.score;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.rpc.LogPosition;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores of servers as seen by one observer (a client or a node), after docs/protocol.md ("Scores") and in3's
 * numbers: every server starts at {@value #INITIAL} of {@value #MAX}; {@link ScoreEvent}s move it; a conviction sets
 * it to 0 and blacklists the server for {@link #BLACKLIST}, after which its selection weight ramps back to full over
 * {@link #RAMP}. Latency is a moving average (EWMA) that also weighs selection, as in3's
 * {@code 0xFFFF / avg response time} does.
 *
 * <p>Thread-safe. Changes are written to the {@link ScoreStore} at once for convictions, at most every
 * {@link #FLUSH_INTERVAL} otherwise, and on {@link #flush()} / {@link #close()}.
 */
public final class Scores implements AutoCloseable {
  public static final int INITIAL = 50;
  public static final int MAX = 100;
  /**
   * Confirmed answers a server needs before its agreement counts towards a call's {@code minRequests} on its own
   * (until then it is on probation): a fresh identity costs nothing, so trust is earned by answers the observer saw
   * confirmed, never granted.
   */
  public static final int PROBATION = 5;
  public static final Duration BLACKLIST = Duration.ofHours(24);
  public static final Duration RAMP = Duration.ofDays(7);
  public static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);
  /** Weight of a new latency sample in the moving average. */
  static final double EWMA_ALPHA = 0.3;
  /** Latency at which the latency factor of the weight is one half. */
  static final double REFERENCE_LATENCY_MS = 100;
  /** Smallest ramp factor once the blacklist is over, so a reformed server gets a chance to earn points again. */
  static final double MIN_RAMP = 0.01;

  private final ScoreStore store;
  private final Clock clock;
  private final Map<PublicKey, ServerScore> scores = new HashMap<>();
  private final Map<PublicKey, ServerScore> dirty = new HashMap<>();
  private long lastFlush;

  public Scores(ScoreStore store) {
    this(store, Clock.systemUTC());
  }

  public Scores(ScoreStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.scores.putAll(store.loadAll());
    this.lastFlush = clock.millis();
  }

  /** The current score of {@code server} ({@link ServerScore#initial()} when never seen). */
  public synchronized ServerScore score(PublicKey server) {
    return scores.getOrDefault(server, ServerScore.initial());
  }

  /** Every server seen, with its score. */
  public synchronized Map<PublicKey, ServerScore> snapshot() {
    return Map.copyOf(scores);
  }

  /** Applies one event; the score stays within 0…{@value #MAX}. */
  public void record(PublicKey server, ScoreEvent event) {
    update(server, s -> {
      boolean ok = event == ScoreEvent.SUCCESS || event == ScoreEvent.SLOW;
      return new ServerScore(clamp(s.score() + event.delta()), s.convictedAt(), s.latencyMs(), clock.millis(),
          s.successes() + (ok ? 1 : 0), s.failures() + (ok ? 0 : 1), s.confirmed());
    }, false);
  }

  /** Adds a latency sample to the server's moving average. */
  public void latency(PublicKey server, Duration latency) {
    double ms = Math.max(0, latency.toNanos() / 1e6);
    update(server, s -> new ServerScore(s.score(), s.convictedAt(),
        s.latencyMs() == 0 ? ms : s.latencyMs() + EWMA_ALPHA * (ms - s.latencyMs()), clock.millis(),
        s.successes(), s.failures(), s.confirmed()), false);
  }

  /** The server signed a wrong answer: score 0, blacklisted from now on for {@link #BLACKLIST}. Stored at once. */
  public void convict(PublicKey server) {
    update(server, s -> new ServerScore(0, clock.millis(), s.latencyMs(), clock.millis(), s.successes(),
        s.failures() + 1, 0), true);
  }

  /**
   * One of the server's answers was confirmed (by a re-run here or by an established server of another operator):
   * it counts towards leaving probation. A conviction starts the count again.
   */
  public void confirm(PublicKey server) {
    update(server, s -> new ServerScore(s.score(), s.convictedAt(), s.latencyMs(), clock.millis(), s.successes(),
        s.failures(), s.confirmed() + 1), false);
  }

  /** Whether the server has left probation and is not blacklisted. */
  public synchronized boolean established(PublicKey server) {
    ServerScore s = scores.get(server);
    return s != null && s.established() && !blacklisted(server);
  }

  /**
   * The established servers (not blacklisted), the heaviest first, at most {@code max}: what a lookup asks a node to
   * send first, so that fresh keys offering a service cannot crowd out the servers known here.
   */
  public synchronized List<PublicKey> trusted(int max) {
    return scores.keySet().stream().filter(this::established)
        .sorted(Comparator.comparingDouble((PublicKey k) -> -weight(k))).limit(max).toList();
  }

  /** Whether the server is in its blacklist period after a conviction. */
  public synchronized boolean blacklisted(PublicKey server) {
    ServerScore s = scores.get(server);
    return s != null && s.everConvicted() && clock.millis() - s.convictedAt() < BLACKLIST.toMillis();
  }

  /**
   * How likely the server is to be picked, relative to others: {@code (score + 1) / 101 × ramp × latency factor},
   * where ramp is 0 while blacklisted and grows linearly to 1 over {@link #RAMP} afterwards, and the latency factor
   * is {@code 100 ms / (100 ms + average latency)} (one half while unmeasured).
   */
  public synchronized double weight(PublicKey server) {
    ServerScore s = scores.getOrDefault(server, ServerScore.initial());
    double ramp = 1;
    if (s.everConvicted()) {
      long since = clock.millis() - s.convictedAt() - BLACKLIST.toMillis();
      ramp = since < 0 ? 0 : Math.max(MIN_RAMP, Math.min(1, (double) since / RAMP.toMillis()));
    }
    double latency = s.latencyMs() == 0 ? 0.5 : REFERENCE_LATENCY_MS / (REFERENCE_LATENCY_MS + s.latencyMs());
    return (s.score() + 1) / (MAX + 1.0) * ramp * latency;
  }

  /** How far a client read each node's evidence feed, as kept with these scores ({@link ScoreStore#feedPositions}). */
  public Map<URI, LogPosition> feedPositions() {
    synchronized (store) {
      return store.feedPositions();
    }
  }

  /**
   * Stores feed positions that moved, after every pending score change: a position is never stored ahead of the
   * convictions read before it.
   */
  public void storeFeedPositions(Map<URI, LogPosition> moved) {
    flush();
    synchronized (store) {
      store.storeFeedPositions(moved);
    }
  }

  /** Writes every pending change to the store. */
  public void flush() {
    // The store lock is taken first and held while copying, so two flushes never write in the wrong order.
    synchronized (store) {
      Map<PublicKey, ServerScore> out;
      synchronized (this) {
        if (dirty.isEmpty()) {
          return;
        }
        out = Map.copyOf(dirty);
        dirty.clear();
        lastFlush = clock.millis();
      }
      store.storeAll(out);
    }
  }

  @Override
  public void close() {
    flush();
    store.close();
  }

  private interface Change {
    ServerScore apply(ServerScore s);
  }

  private void update(PublicKey server, Change change, boolean flushNow) {
    boolean flush;
    synchronized (this) {
      ServerScore next = change.apply(scores.getOrDefault(server, ServerScore.initial()));
      scores.put(server, next);
      dirty.put(server, next);
      flush = flushNow || clock.millis() - lastFlush >= FLUSH_INTERVAL.toMillis();
    }
    if (flush) {
      flush();
    }
  }

  private static int clamp(int score) {
    return Math.max(0, Math.min(MAX, score));
  }
}
