package dev.tandem.node.quota;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A budget (bytes, milliseconds, records) per key (a caller's address, a reporter's key) that refills every hour:
 * each key's window starts with its first charge and ends an hour later. Keys are kept in access order and capped,
 * so a flood of made-up keys costs bounded memory (a key pushed out starts a fresh window, which is no worse than one
 * more address).
 */
public final class HourlyQuota {
  static final long HOUR_MS = 3_600_000;
  private static final int MAX_KEYS = 16_384;

  private record Window(long start, long used) {}

  private final long budget;
  private final LongSupplier nowMs;
  private final Map<String, Window> windows = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
      return size() > MAX_KEYS;
    }
  };

  public HourlyQuota(long budget, LongSupplier nowMs) {
    this.budget = budget;
    this.nowMs = nowMs;
  }

  public long budget() {
    return budget;
  }

  /** Whether {@code key} may spend {@code bytes} more in its current hour (a null key is not limited). */
  public synchronized boolean hasRoom(String key, long bytes) {
    return room(key) >= bytes;
  }

  /** What {@code key} may still spend in its current hour (a null key: no limit). */
  public synchronized long room(String key) {
    return key == null ? Long.MAX_VALUE : Math.max(0, budget - used(key));
  }

  /** Spends {@code bytes} of {@code key}'s hour, whether or not they fit (check {@link #hasRoom} first). */
  public synchronized void charge(String key, long bytes) {
    if (key != null) {
      Window w = current(key);
      windows.put(key, new Window(w.start(), w.used() + bytes));
    }
  }

  private long used(String key) {
    return current(key).used();
  }

  private Window current(String key) {
    long now = nowMs.getAsLong();
    Window w = windows.get(key);
    return w == null || now - w.start() >= HOUR_MS ? new Window(now, 0) : w;
  }
}
