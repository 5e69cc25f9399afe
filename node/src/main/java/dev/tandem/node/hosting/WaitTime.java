package dev.tandem.node.hosting;

/**
 * The time the current thread has spent waiting for capacity other work held: the one slot strangers' modules load
 * in, or room in the calls' memory. Work charged to a caller by the time it took subtracts this, so an address pays
 * for what its own work cost and not for the queue an attacker's work made it stand in.
 */
public final class WaitTime {
  private static final ThreadLocal<long[]> NANOS = ThreadLocal.withInitial(() -> new long[1]);

  private WaitTime() {}

  /** Nanoseconds this thread has waited so far: the difference of two readings is what it waited between them. */
  public static long nanos() {
    return NANOS.get()[0];
  }

  /** Counts the time since {@code startedNanos} ({@link System#nanoTime()}) as waited. */
  static void since(long startedNanos) {
    NANOS.get()[0] += Math.max(0, System.nanoTime() - startedNanos);
  }
}
