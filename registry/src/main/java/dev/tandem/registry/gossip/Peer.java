package dev.tandem.registry.gossip;

import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.NodeUrls;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One peer's gossip state: its address, its records waiting to be pushed, whether a pull or a push is running, and
 * its backoff after failures. At most one pull and one push drain run per peer at a time, so a slow peer costs one
 * worker, never the others'.
 */
final class Peer {
  final URI base;
  final URI rpc;
  /** Named by the operator (or {@link Gossip#addPeer}); a peer learned from a ServerRecord is not. */
  volatile boolean configured;
  volatile boolean removed;
  final AtomicBoolean pulling = new AtomicBoolean();
  final AtomicBoolean pushing = new AtomicBoolean();

  private final int queueCapacity;
  private final Deque<SignedRecord> queue = new ArrayDeque<>();
  /** nanoTime until which the peer is pulled with tandem_records, having no index; 0 while it has one. */
  private volatile long noIndexUntil;
  private int failures;
  private long retryAt; // System.nanoTime() before which the peer is left alone

  Peer(URI base, boolean configured, int queueCapacity) {
    this.base = base;
    this.rpc = NodeUrls.rpc(base);
    this.configured = configured;
    this.queueCapacity = queueCapacity;
  }

  /** Whether the peer is pulled by its index at {@code now}: unless it lately did not answer one. */
  boolean readsIndex(long now) {
    long until = noIndexUntil;
    return until == 0 || now - until >= 0;
  }

  /** Notes that the peer answered no index: it is pulled whole until {@code until} (nanoTime). */
  void noIndex(long until) {
    noIndexUntil = until == 0 ? 1 : until;
  }

  /** Whether the peer is out of backoff at {@code now} (nanoTime). */
  synchronized boolean ready(long now) {
    return failures == 0 || now - retryAt >= 0;
  }

  /** Records a failure; returns the backoff before the next attempt. */
  synchronized Duration failed(Duration interval, Duration maxBackoff) {
    failures++;
    // interval, 2×, 4×, … up to maxBackoff, plus up to 25% jitter so peers that failed together retry apart.
    long max = maxBackoff.toNanos();
    long delay = Math.min(interval.toNanos(), max);
    for (int i = 1; i < failures && delay < max; i++) {
      delay = Math.min(delay * 2, max);
    }
    delay += (long) (delay * 0.25 * ThreadLocalRandom.current().nextDouble());
    retryAt = System.nanoTime() + delay;
    return Duration.ofNanos(delay);
  }

  /** Records a success; returns whether the peer had been failing. */
  synchronized boolean succeeded() {
    boolean was = failures > 0;
    failures = 0;
    return was;
  }

  synchronized int failures() {
    return failures;
  }

  /** Queues a record to push; returns whether the oldest queued record was dropped to make room. */
  synchronized boolean enqueue(SignedRecord record) {
    boolean dropped = false;
    if (queue.size() >= queueCapacity) {
      queue.pollFirst();
      dropped = true;
    }
    queue.addLast(record);
    return dropped;
  }

  synchronized SignedRecord poll() {
    return queue.pollFirst();
  }

  /** Puts back a record whose push failed, at the front, unless newer records filled the queue meanwhile. */
  synchronized void pushBack(SignedRecord record) {
    if (queue.size() < queueCapacity) {
      queue.addFirst(record);
    }
  }

  synchronized boolean hasQueued() {
    return !queue.isEmpty();
  }

  synchronized void clearQueue() {
    queue.clear();
  }

  @Override
  public String toString() {
    return base.toString();
  }
}
