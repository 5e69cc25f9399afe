package dev.tandem.node.evidence;

import dev.tandem.core.wire.Evidence;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Submitted evidence that cannot be judged yet (its service record has not reached this node, or the re-run failed):
 * held in memory, never in {@code node.db}, bounded in items and bytes, each item dropped once it has waited its
 * time. A full queue takes nothing more: items held are never pushed out by newcomers, so a flood cannot flush them.
 */
final class EvidenceQueue {
  /** Between two tries of an item whose service is known but whose re-run failed. */
  static final long RETRY_MS = 30_000;

  /**
   * One held item: when it arrived, when it was last tried here (0: not since it was held), and who pays for its
   * re-run.
   */
  record Held(String id, Evidence evidence, long bytes, long since, long lastTry, EvidenceIntake.Payer payer) {}

  private final int maxItems;
  private final long maxBytes;
  private final long ttlMs;
  private final LongSupplier nowMs;
  private final Map<String, Held> items = new LinkedHashMap<>();
  private long bytes;

  EvidenceQueue(int maxItems, long maxBytes, long ttlMs, LongSupplier nowMs) {
    this.maxItems = maxItems;
    this.maxBytes = maxBytes;
    this.ttlMs = ttlMs;
    this.nowMs = nowMs;
  }

  synchronized boolean contains(String id) {
    return items.containsKey(id);
  }

  /** Holds an item; false when the queue is full (by items or bytes). An item already held is kept as it was. */
  synchronized boolean hold(String id, Evidence evidence, long size, EvidenceIntake.Payer payer) {
    expire();
    if (items.containsKey(id)) {
      return true;
    }
    if (items.size() >= maxItems || bytes + size > maxBytes) {
      return false;
    }
    items.put(id, new Held(id, evidence, size, nowMs.getAsLong(), 0, payer));
    bytes += size;
    return true;
  }

  /**
   * The items worth trying now: those whose service is known ({@code known}) and that were not tried in the last
   * {@link #RETRY_MS}; each is marked tried. Items past their time are dropped first.
   */
  synchronized List<Held> due(Predicate<String> known) {
    expire();
    long now = nowMs.getAsLong();
    List<Held> out = new ArrayList<>();
    for (Map.Entry<String, Held> e : items.entrySet()) {
      Held h = e.getValue();
      if (known.test(h.evidence().service()) && (h.lastTry() == 0 || now - h.lastTry() >= RETRY_MS)) {
        out.add(h);
        e.setValue(new Held(h.id(), h.evidence(), h.bytes(), h.since(), now, h.payer()));
      }
    }
    return out;
  }

  synchronized void remove(String id) {
    Held h = items.remove(id);
    if (h != null) {
      bytes -= h.bytes();
    }
  }

  synchronized int size() {
    return items.size();
  }

  synchronized long bytes() {
    return bytes;
  }

  private void expire() {
    long now = nowMs.getAsLong();
    for (Iterator<Held> it = items.values().iterator(); it.hasNext(); ) {
      Held h = it.next();
      if (now - h.since() >= ttlMs) {
        it.remove();
        bytes -= h.bytes();
      }
    }
  }
}
