package dev.tandem.node.hosting;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The linear memory the calls running at once may reach together, each counted at its service's maximum
 * ({@code limits.memoryPages}). Every call runs in a fresh instance that may grow its memory to that maximum, and the
 * memory lives on the node's heap: without a bound, a stranger's 64 concurrent calls of a service that allows 2 GiB
 * could ask it for 128 GiB, and an out-of-memory error hits whatever thread allocates next. A call that does not fit
 * is refused before it runs, so every outcome a node signs stays deterministic; one larger than the whole budget runs
 * when it has the budget to itself.
 */
public final class CallMemory {
  private static final long PAGE = 64 * 1024;
  private final int total;
  private final Semaphore pages;

  private CallMemory(long bytes) {
    this.total = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / PAGE));
    this.pages = new Semaphore(total);
  }

  /** A budget of {@code megabytes} ({@code 0}: half the JVM's maximum heap). */
  public static CallMemory ofMegabytes(long megabytes) {
    return new CallMemory(megabytes > 0 ? megabytes << 20 : Runtime.getRuntime().maxMemory() / 2);
  }

  /** The pages {@code pages} reserve: at most the whole budget. */
  private int cost(int pages) {
    return Math.max(1, Math.min(pages, total));
  }

  /** Reserves room for a call that may reach {@code pages}; false, reserving nothing, when it does not fit now. */
  boolean tryReserve(int pages) {
    return this.pages.tryAcquire(cost(pages));
  }

  /** As {@link #tryReserve}, waiting up to {@code wait} for room (re-runs: few, and worth a short wait). */
  boolean reserve(int pages, Duration wait) throws InterruptedException {
    long started = System.nanoTime();
    try {
      return this.pages.tryAcquire(cost(pages), wait.toNanos(), TimeUnit.NANOSECONDS);
    } finally {
      WaitTime.since(started); // not the waiter's work: see WaitTime
    }
  }

  /**
   * Reserves {@code bytes} of heap for other work than a call (loading a stranger's module), waiting up to
   * {@code wait}; false, reserving nothing, when it does not fit by then or is larger than the whole budget.
   * Release with {@link #releaseBytes}.
   */
  boolean reserveBytes(long bytes, Duration wait) throws InterruptedException {
    long pages = pagesOf(bytes);
    return pages <= total && reserve((int) pages, wait);
  }

  void releaseBytes(long bytes) {
    release((int) pagesOf(bytes));
  }

  /** The 64 KiB pages that hold {@code bytes}. */
  static long pagesOf(long bytes) {
    return (bytes + PAGE - 1) / PAGE;
  }

  void release(int pages) {
    this.pages.release(cost(pages));
  }

  /** Megabytes in the budget. */
  public long megabytes() {
    return total * PAGE >> 20;
  }
}
