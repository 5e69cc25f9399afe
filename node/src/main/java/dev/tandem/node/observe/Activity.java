package dev.tandem.node.observe;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What happened on this node lately, for the dashboard and status: the last calls it served, and the conflicts and
 * convictions it learned of. Bounded ring buffers; thread-safe.
 *
 * <p>One conflict reaches a node many times (from the client, from every node forwarding it, from peers' evidence
 * feeds, and as several items naming more or fewer of its answers), so a conflict is kept once per service and
 * request, with the servers of every report; a conviction once per server, service and request.
 */
public final class Activity {
  /** One call served. */
  public record Call(long atMillis, String service, String method, String outcome, long fuel, long micros) {}

  /** A conflict: two signed answers to the same request disagreed, or an answer disagreed with a re-run. */
  public record Conflict(long atMillis, String service, String requestHash, List<String> servers, String source) {
    public Conflict {
      servers = List.copyOf(servers);
    }

    boolean sameRequest(Conflict o) {
      return service.equals(o.service) && requestHash.equals(o.requestHash);
    }

    Conflict merge(Conflict later) {
      Set<String> all = new LinkedHashSet<>(servers);
      all.addAll(later.servers);
      return new Conflict(atMillis, service, requestHash, List.copyOf(all), source);
    }
  }

  /** A server found to have signed a wrong answer. */
  public record Conviction(long atMillis, String server, String service, String requestHash, String reason) {
    boolean sameCase(Conviction o) {
      return server.equals(o.server) && service.equals(o.service) && requestHash.equals(o.requestHash);
    }
  }

  /** How many calls, conflicts and convictions are kept. */
  public static final int KEEP = 100;
  private final Deque<Call> calls = new ArrayDeque<>();
  private final Deque<Conflict> conflicts = new ArrayDeque<>();
  private final Deque<Conviction> convictions = new ArrayDeque<>();
  private long totalCalls;

  public synchronized void call(Call c) {
    totalCalls++;
    push(calls, c);
  }

  /** Records a conflict, or adds its servers to the one already kept for the same request. */
  public synchronized void conflict(Conflict c) {
    for (Iterator<Conflict> it = conflicts.iterator(); it.hasNext(); ) {
      Conflict known = it.next();
      if (known.sameRequest(c)) {
        Conflict merged = known.merge(c);
        if (!merged.equals(known)) {
          List<Conflict> copy = new ArrayList<>(conflicts);
          copy.set(copy.indexOf(known), merged);
          conflicts.clear();
          conflicts.addAll(copy);
        }
        return;
      }
    }
    push(conflicts, c);
  }

  /** Records a conviction unless the same server was already convicted for the same request. */
  public synchronized void conviction(Conviction c) {
    if (convictions.stream().noneMatch(c::sameCase)) {
      push(convictions, c);
    }
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
    Collections.reverse(out);
    return out;
  }
}
