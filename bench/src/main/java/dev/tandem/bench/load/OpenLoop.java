package dev.tandem.bench.load;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: request {@code i} is due at {@code start + i / rate}, and is sent then whether or not
 * earlier ones were answered. A closed loop (callers waiting for answers) slows down with the server and never
 * overloads it; this one keeps the offered load fixed, so a server past its capacity must shed load, and latency is
 * measured from the due time so that queueing anywhere, the generator included, shows.
 *
 * <p>Each request runs on its own virtual thread. At most {@code maxInFlight} are outstanding: a request due beyond
 * that is not sent and counts as {@code client in-flight limit}, so the client's own limits are reported rather than
 * turned into hidden delay.
 */
public final class OpenLoop {
  /** The kind recorded for a request that the client did not send because too many were outstanding. */
  public static final String IN_FLIGHT_LIMIT = "client in-flight limit";

  /**
   * What to run.
   *
   * @param rate        requests per second
   * @param length      how long to schedule requests
   * @param timeout     per-request bound; an answer later than this is a {@code timeout}
   * @param maxInFlight most outstanding requests
   */
  public record Settings(double rate, Duration length, Duration timeout, int maxInFlight) {
    public Settings {
      if (!(rate > 0) || length.isNegative() || length.isZero() || timeout.isNegative() || timeout.isZero()
          || maxInFlight < 1) {
        throw new IllegalArgumentException("rate, length, timeout and maxInFlight must be positive");
      }
    }
  }

  /** One request: returns how it ended when the server answered; throws when it did not (timeout, reset, ...). */
  @FunctionalInterface
  public interface Call {
    Outcome call(long index, Duration timeout) throws Exception;
  }

  /**
   * How one request ended.
   *
   * @param kind     {@link LoadReport#OK} or an error kind such as {@code rpc -32000} or {@code http 503}
   * @param answered whether the server answered (a JSON-RPC or HTTP error is an answer; a timeout is not)
   */
  public record Outcome(String kind, boolean answered) {
    public static final Outcome OK = new Outcome(LoadReport.OK, true);
  }

  private OpenLoop() {}

  public static LoadReport run(Settings s, Call call) throws InterruptedException {
    long interval = Math.max(1, Math.round(1e9 / s.rate()));
    long total = Math.max(1, (long) Math.floor(s.length().toNanos() / (double) interval));
    int capacity = (int) Math.min(Integer.MAX_VALUE - 8, total);
    long[] latency = new long[capacity];
    boolean[] okAt = new boolean[capacity];
    boolean[] answeredAt = new boolean[capacity];
    Map<String, LongAdder> kinds = new ConcurrentHashMap<>();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicLong lastAnswer = new AtomicLong();
    long maxLag = 0;
    long sent = 0;

    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    for (int i = 0; i < capacity; i++) {
      long due = start + i * interval;
      long now = System.nanoTime();
      if (now < due) {
        LockSupport.parkNanos(due - now);
        now = System.nanoTime();
      }
      maxLag = Math.max(maxLag, now - due);
      int outstanding = inFlight.incrementAndGet();
      if (outstanding > s.maxInFlight()) {
        inFlight.decrementAndGet();
        kinds.computeIfAbsent(IN_FLIGHT_LIMIT, k -> new LongAdder()).increment();
        continue;
      }
      maxInFlight.accumulateAndGet(outstanding, Math::max);
      sent++;
      int index = i;
      Thread.ofVirtual().start(() -> {
        Outcome outcome;
        try {
          outcome = call.call(index, s.timeout());
        } catch (Exception e) {
          outcome = new Outcome(classify(e), false);
        }
        long end = System.nanoTime();
        latency[index] = end - due;
        okAt[index] = outcome.kind().equals(LoadReport.OK);
        answeredAt[index] = outcome.answered();
        kinds.computeIfAbsent(outcome.kind(), k -> new LongAdder()).increment();
        lastAnswer.accumulateAndGet(end, Math::max);
        inFlight.decrementAndGet();
      });
    }
    long scheduleEnd = start + capacity * interval;
    // Outstanding requests end by their own timeout; wait a little longer than that before giving up on them.
    long deadline = System.nanoTime() + s.timeout().toNanos() + TimeUnit.SECONDS.toNanos(2);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    int stuck = inFlight.get();
    if (stuck > 0) {
      kinds.computeIfAbsent("no answer after the timeout", k -> new LongAdder()).add(stuck);
    }
    Map<String, Long> counts = new TreeMap<>();
    kinds.forEach((k, v) -> counts.put(k, v.sum()));
    long[] ok = new long[capacity];
    long[] errors = new long[capacity];
    int nOk = 0;
    int nErr = 0;
    for (int i = 0; i < capacity; i++) {
      if (okAt[i]) {
        ok[nOk++] = latency[i];
      } else if (answeredAt[i]) {
        errors[nErr++] = latency[i];
      }
    }
    ok = Arrays.copyOf(ok, nOk);
    errors = Arrays.copyOf(errors, nErr);
    Arrays.sort(ok);
    Arrays.sort(errors);
    return new LoadReport(s.rate(), Duration.ofNanos(capacity * interval), capacity, sent, counts, ok, errors,
        maxInFlight.get(), Duration.ofNanos(maxLag), Duration.ofNanos(Math.max(0, lastAnswer.get() - scheduleEnd)));
  }

  /** Names a failure to get an answer by what happened on the wire. */
  public static String classify(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && !(t instanceof HttpTimeoutException) && !(t instanceof ConnectException)) {
      t = t.getCause();
    }
    if (t instanceof HttpConnectTimeoutException) {
      return "connect timeout";
    }
    if (t instanceof HttpTimeoutException) {
      return "timeout";
    }
    if (t instanceof ConnectException) {
      return "connection refused";
    }
    String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
    if (message.contains("reset")) {
      return "connection reset";
    }
    if (message.contains("closed") || message.contains("eof")) {
      return "connection closed";
    }
    return (t instanceof IOException ? "io " : "client ") + t.getClass().getSimpleName();
  }
}
