package dev.tandem.client;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The time a client's calls run on, and how a call waits for the answers of its requests. The SDK uses
 * {@link #SYSTEM}: {@link System#nanoTime()} and blocking queues filled by the HTTP threads. A simulation supplies
 * one on virtual time, whose {@link Inbox#poll} runs the simulation's events until an answer arrives or the wait is
 * over, so the same call logic runs single-threaded and reproducibly.
 */
public interface CallClock {

  /** Monotonic time in nanoseconds, for deadlines and latencies only. */
  long nanoTime();

  /** A new, empty inbox for one call. */
  <T> Inbox<T> inbox();

  /** Where a call's answers arrive: filled by whoever completes a request, emptied by the call. */
  interface Inbox<T> {
    void put(T item);

    /**
     * The next item, waiting up to {@code nanos} for one (not at all when {@code nanos <= 0}); null when none came.
     */
    T poll(long nanos) throws InterruptedException;
  }

  /** Real time: {@link System#nanoTime()} and {@link LinkedBlockingQueue}s. */
  CallClock SYSTEM = new CallClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public <T> Inbox<T> inbox() {
      LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();
      return new Inbox<>() {
        @Override
        public void put(T item) {
          queue.add(item);
        }

        @Override
        public T poll(long nanos) throws InterruptedException {
          return nanos <= 0 ? queue.poll() : queue.poll(nanos, TimeUnit.NANOSECONDS);
        }
      };
    }
  };
}
