package dev.tandem.bench.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * What an open-loop run measured.
 *
 * @param rate          requests per second asked for
 * @param length        how long requests were scheduled
 * @param scheduled     requests the schedule called for
 * @param sent          requests actually sent (the others hit the client's in-flight limit)
 * @param kinds         every outcome and how many times it happened: {@code ok}, {@code rpc -32000}, {@code http 503},
 *                      {@code timeout}, {@code connection reset}, ...
 * @param okNanos       latency of each {@code ok} answer, sorted, measured from the time the request was scheduled
 *                      (not sent), so a late generator cannot hide queueing
 * @param errorNanos    the same for answers that were errors (JSON-RPC or HTTP), sorted
 * @param maxInFlight   most requests outstanding at once
 * @param maxLag        how late the generator sent a request at worst; large means the generator, not the server,
 *                      was the bottleneck
 * @param drain         time after the schedule ended until the last answer arrived
 */
public record LoadReport(double rate, Duration length, long scheduled, long sent, Map<String, Long> kinds,
    long[] okNanos, long[] errorNanos, int maxInFlight, Duration maxLag, Duration drain) {

  /** The outcome of a request that was answered correctly. */
  public static final String OK = "ok";

  public long ok() {
    return kinds.getOrDefault(OK, 0L);
  }

  /** Requests that did not end {@code ok}. */
  public long failed() {
    return kinds.entrySet().stream().filter(e -> !e.getKey().equals(OK)).mapToLong(Map.Entry::getValue).sum();
  }

  /** Successful answers per second of the schedule. */
  public double okPerSecond() {
    return ok() / seconds();
  }

  /** Answers of any kind (success, JSON-RPC or HTTP error) per second of the schedule. */
  public double answeredPerSecond() {
    return (okNanos.length + errorNanos.length) / seconds();
  }

  private double seconds() {
    return Math.max(1e-9, length.toNanos() / 1e9);
  }

  /** The {@code q} quantile (0–1) of sorted latencies, in milliseconds; NaN when there are none. */
  public static double ms(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  /** The largest latency in milliseconds; NaN when there are none. */
  public static double maxMs(long[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LoadReport r && r.scheduled == scheduled && r.kinds.equals(kinds)
        && Arrays.equals(r.okNanos, okNanos) && Arrays.equals(r.errorNanos, errorNanos);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(scheduled) * 31 + kinds.hashCode();
  }

  @Override
  public String toString() {
    return "LoadReport[rate=" + rate + ", scheduled=" + scheduled + ", sent=" + sent + ", kinds=" + kinds + "]";
  }
}
