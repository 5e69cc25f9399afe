package dev.tandem.sim;

import dev.tandem.client.CallClock;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The simulation's discrete-event loop and its virtual time. Events run one at a time on the caller's thread, in
 * order of time and then of scheduling, so a run depends on nothing but its seed.
 *
 * <p>It is also the clients' {@link CallClock}: a call that waits for answers runs events until one arrives or its
 * wait is over. Calls never overlap, so nothing waits inside an event.
 */
final class VirtualTime implements CallClock {
  /** Wall-clock instant of virtual time 0, for scores and blacklists (which need an epoch time above 0). */
  static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");

  private record Event(long at, long seq, Runnable action) {}

  private final PriorityQueue<Event> events =
      new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::seq));
  private long now;
  private long seq;
  private long ran;

  @Override
  public long nanoTime() {
    return now;
  }

  /** Runs {@code action} {@code delayNanos} from now (at once, after what is already due, when not positive). */
  void after(long delayNanos, Runnable action) {
    events.add(new Event(now + Math.max(0, delayNanos), seq++, action));
  }

  /** Runs the next event if it is due by {@code until}; false when there is none. */
  boolean runNext(long until) {
    Event e = events.peek();
    if (e == null || e.at() > until) {
      return false;
    }
    events.poll();
    now = Math.max(now, e.at());
    ran++;
    e.action().run();
    return true;
  }

  /** Runs every event due by {@code until}, then sets the time to it. */
  void runUntil(long until) {
    while (runNext(until)) {
      // each event may schedule more
    }
    now = Math.max(now, until);
  }

  /** Events run so far. */
  long eventsRun() {
    return ran;
  }

  /** Virtual time as a {@link Clock}, for {@link dev.tandem.core.score.Scores}. */
  Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("virtual time is UTC");
      }

      @Override
      public Instant instant() {
        return EPOCH.plusNanos(now);
      }

      @Override
      public long millis() {
        return EPOCH.toEpochMilli() + now / 1_000_000;
      }
    };
  }

  @Override
  public <T> Inbox<T> inbox() {
    ArrayDeque<T> items = new ArrayDeque<>();
    return new Inbox<>() {
      @Override
      public void put(T item) {
        items.add(item);
      }

      @Override
      public T poll(long nanos) {
        long until = nanos <= 0 ? now : saturatedAdd(now, nanos);
        while (items.isEmpty()) {
          if (!runNext(until)) {
            now = Math.max(now, until);
            return null;
          }
        }
        return items.poll();
      }
    };
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
