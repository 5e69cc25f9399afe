package dev.tandem.bench.network;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load generator: {@code callers} threads each make one call after another for a fixed time, and every
 * call's latency is kept. Closed loop means the offered load adapts to the server, so the throughput it reports is
 * what the server sustained, and latencies are not inflated by a queue in the generator.
 */
final class LoadLoop {
  /** One call; throws when it failed. */
  @FunctionalInterface
  interface Op {
    void call() throws Exception;
  }

  /**
   * What a run measured.
   *
   * @param callers threads calling
   * @param ok      calls that succeeded
   * @param errors  calls that threw
   * @param nanos   latency of every successful call
   * @param wall    length of the measurement
   * @param firstError the first failure, if any
   */
  record Stats(int callers, long ok, long errors, long[] nanos, Duration wall, String firstError) {
    double perSecond() {
      return ok / Math.max(1e-9, wall.toNanos() / 1e9);
    }

    /** The runs of {@code parts} (same callers) as one: their calls and lengths added. */
    static Stats merge(List<Stats> parts) {
      long[] all = parts.stream().flatMapToLong(p -> Arrays.stream(p.nanos())).sorted().toArray();
      return new Stats(parts.get(0).callers(), parts.stream().mapToLong(Stats::ok).sum(),
          parts.stream().mapToLong(Stats::errors).sum(), all,
          parts.stream().map(Stats::wall).reduce(Duration.ZERO, Duration::plus),
          parts.stream().map(Stats::firstError).filter(e -> e != null).findFirst().orElse(null));
    }

    double ms(double q) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(q * nanos.length) - 1;
      return nanos[Math.max(0, Math.min(nanos.length - 1, i))] / 1e6;
    }
  }

  private LoadLoop() {}

  static Stats run(int callers, Duration length, Op op) throws InterruptedException {
    long end = System.nanoTime() + length.toNanos();
    List<long[]> perThread = new ArrayList<>();
    long[] counts = new long[callers * 2];
    AtomicReference<String> firstError = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < callers; t++) {
      int slot = t;
      long[][] mine = {new long[1 << 14]};
      Thread th = Thread.ofPlatform().name("bench-caller-" + t).start(() -> {
        int n = 0;
        long errors = 0;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          try {
            op.call();
          } catch (Exception e) {
            errors++;
            firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
            continue;
          }
          if (n == mine[0].length) {
            mine[0] = Arrays.copyOf(mine[0], n * 2);
          }
          mine[0][n++] = System.nanoTime() - t0;
        }
        synchronized (perThread) {
          perThread.add(Arrays.copyOf(mine[0], n));
          counts[slot * 2] = n;
          counts[slot * 2 + 1] = errors;
        }
      });
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    long ok = 0;
    long errors = 0;
    for (int t = 0; t < callers; t++) {
      ok += counts[t * 2];
      errors += counts[t * 2 + 1];
    }
    long[] all = perThread.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    return new Stats(callers, ok, errors, all, wall, firstError.get());
  }
}
