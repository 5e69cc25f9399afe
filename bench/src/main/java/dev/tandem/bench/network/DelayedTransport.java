package dev.tandem.bench.network;

import dev.tandem.core.rpc.Transport;
import java.net.URI;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An emulated network in front of a real {@link Transport}: every request waits half of its round trip before it is
 * sent and the other half after its answer came. Each round trip is drawn from {@code rtt ± jitter}, uniformly, as
 * {@code tc netem delay RTT JITTER} draws it by default (netem itself needs privileges this benchmark does not have).
 * The answer is then handed on from a fresh virtual thread, as a real HTTP client hands answers on from its own
 * threads, so two answers are checked in parallel as they would be.
 */
public final class DelayedTransport implements Transport, AutoCloseable {
  private final Transport inner;
  private final long rttNanos;
  private final long jitterNanos;
  private final SplittableRandom random;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * @param inner  the transport that really sends
   * @param rtt    the mean added round trip
   * @param jitter how far one round trip may lie from the mean, either way (uniform)
   * @param seed   seeds the draws
   */
  public DelayedTransport(Transport inner, Duration rtt, Duration jitter, long seed) {
    if (jitter.compareTo(rtt) > 0) {
      throw new IllegalArgumentException("jitter (" + jitter.toMillis() + " ms) must not exceed the round trip ("
          + rtt.toMillis() + " ms)");
    }
    this.inner = inner;
    this.rttNanos = rtt.toNanos();
    this.jitterNanos = jitter.toNanos();
    this.random = new SplittableRandom(seed);
  }

  /** One round trip's added delay, in nanoseconds. */
  long draw() {
    long j;
    synchronized (random) {
      j = jitterNanos == 0 ? 0 : random.nextLong(-jitterNanos, jitterNanos + 1);
    }
    return rttNanos + j;
  }

  @Override
  public CompletableFuture<Reply> post(URI url, byte[] body, Duration timeout) {
    long delay = draw();
    long out = delay / 2;
    return CompletableFuture.runAsync(() -> { }, after(out))
        .thenCompose(v -> inner.post(url, body, timeout))
        .thenApplyAsync(reply -> reply, after(delay - out));
  }

  private Executor after(long nanos) {
    return CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, threads);
  }

  @Override
  public void close() {
    threads.close();
  }
}
