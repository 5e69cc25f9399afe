package dev.tandem.node.observe;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What happened on this node lately, for the dashboard and status: the last calls it served, and the conflicts and
 * convictions it learned of. Bounded ring buffers; thread-safe.
 */
public final class Activity {
  /** One call served. */
  public record Call(long atMillis, String service, String method, String outcome, long fuel, long micros) {}

  /** A conflict: two signed answers to the same request disagreed, or an answer disagreed with a re-run. */
  public record Conflict(long atMillis, String service, String requestHash, List<String> servers, String source) {}

  /** A server found to have signed a wrong answer. */
  public record Conviction(long atMillis, String server, String service, String requestHash, String reason) {}

  private static final int KEEP = 100;
  private final Deque<Call> calls = new ArrayDeque<>();
  private final Deque<Conflict> conflicts = new ArrayDeque<>();
  private final Deque<Conviction> convictions = new ArrayDeque<>();
  private long totalCalls;

  public synchronized void call(Call c) {
    totalCalls++;
    push(calls, c);
  }

  public synchronized void conflict(Conflict c) {
    push(conflicts, c);
  }

  public synchronized void conviction(Conviction c) {
    push(convictions, c);
  }

  public synchronized long totalCalls() {
    return totalCalls;
  }

  /** Newest first. */
  public synchronized List<Call> calls() {
    return newestFirst(calls);
  }

  public synchronized List<Conflict> conflicts() {
    return newestFirst(conflicts);
  }

  public synchronized List<Conviction> convictions() {
    return newestFirst(convictions);
  }

  private static <T> void push(Deque<T> q, T item) {
    q.addLast(item);
    while (q.size() > KEEP) {
      q.removeFirst();
    }
  }

  private static <T> List<T> newestFirst(Deque<T> q) {
    List<T> out = new ArrayList<>(q);
    java.util.Collections.reverse(out);
    return out;
  }
}
