package dev.tandem.node.dashboard;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A document built at most once per {@code maxAgeMs}, however often it is asked for: {@code GET /dashboard.json}
 * needs no token, and building it walks the whole registry. While one reader rebuilds a stale document, the others
 * get the one before, so a burst of requests costs one build and holds no thread waiting.
 */
public final class Recent implements Supplier<byte[]> {
  private final Supplier<byte[]> build;
  private final long maxAgeMs;
  private final LongSupplier nowMs;
  private final ReentrantLock building = new ReentrantLock();
  private volatile byte[] last;
  private volatile long lastAt;

  public Recent(Supplier<byte[]> build, long maxAgeMs) {
    this(build, maxAgeMs, System::currentTimeMillis);
  }

  Recent(Supplier<byte[]> build, long maxAgeMs, LongSupplier nowMs) {
    this.build = build;
    this.maxAgeMs = maxAgeMs;
    this.nowMs = nowMs;
  }

  @Override
  public byte[] get() {
    byte[] current = last;
    if (current != null && nowMs.getAsLong() - lastAt < maxAgeMs) {
      return current;
    }
    if (current != null && !building.tryLock()) {
      return current; // another reader is building the next one
    }
    if (current == null) {
      building.lock(); // the very first: nothing to give meanwhile
    }
    try {
      if (last == null || nowMs.getAsLong() - lastAt >= maxAgeMs) {
        last = build.get();
        lastAt = nowMs.getAsLong();
      }
      return last;
    } finally {
      building.unlock();
    }
  }
}
