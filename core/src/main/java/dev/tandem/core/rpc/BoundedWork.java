package dev.tandem.core.rpc;

import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Blocking HTTP work (a {@link HttpClient#send}, the reading of a body) on a virtual thread of its own, interrupted
 * when its time is up or when its future is cancelled. An interrupted {@code send}, or read of a body stream, cancels
 * its exchange and closes the connection, so a server that trickles an answer cannot hold a thread and a connection
 * past the deadline: the JDK's own request timeout stops once the headers have come.
 */
final class BoundedWork {
  private static final Executor THREADS =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-request-", 0).factory());
  /** Interrupts work whose time is up; work that ends in time removes its timer. */
  private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

  private BoundedWork() {}

  /** What runs bounded: blocking work that gives up with {@link InterruptedException} when interrupted. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws Exception;
  }

  /**
   * Runs {@code work} within {@code timeout}. The future fails with an {@link HttpTimeoutException} saying
   * {@code what} did not end in time, or with what {@code work} threw. Whatever the caller chains on it runs on the
   * work's thread, never interrupted.
   */
  static <T> CompletableFuture<T> run(Duration timeout, String what, Work<T> work) {
    CompletableFuture<T> done = new CompletableFuture<>();
    THREADS.execute(() -> {
      if (done.isDone()) { // cancelled before it began
        return;
      }
      Stopper stopper = new Stopper(Thread.currentThread());
      ScheduledFuture<?> deadline = DEADLINES.schedule(stopper::stop, timeout.toNanos(), TimeUnit.NANOSECONDS);
      done.whenComplete((ok, e) -> {
        if (done.isCancelled()) {
          stopper.stop();
        }
      });
      T value = null;
      Throwable failure = null;
      try {
        value = work.run();
      } catch (InterruptedException e) { // the deadline, or the caller cancelled (then this completes nothing)
        failure = timedOut(what, timeout, e);
      } catch (Exception e) {
        failure = Thread.currentThread().isInterrupted() && !(e instanceof HttpTimeoutException)
            ? timedOut(what, timeout, e) : e;
      } catch (Error e) { // out of memory, say: the caller still hears of it rather than waiting for ever
        failure = e;
      }
      stopper.close();
      deadline.cancel(false);
      if (failure == null) {
        done.complete(value);
      } else {
        done.completeExceptionally(failure);
      }
    });
    return done;
  }

  /**
   * The failure of work the deadline interrupted: an {@code InterruptedException} from a {@code send}, or the
   * {@code IOException} a read of a body stream throws when interrupted.
   */
  private static HttpTimeoutException timedOut(String what, Duration timeout, Exception cause) {
    HttpTimeoutException t = new HttpTimeoutException(what + " did not end within " + timeout.toMillis() + " ms");
    t.initCause(cause);
    return t;
  }

  /** Interrupts the work's thread until the work is over, never after. */
  private static final class Stopper {
    private final Thread thread;
    private boolean over;

    Stopper(Thread thread) {
      this.thread = thread;
    }

    synchronized void stop() {
      if (!over) {
        thread.interrupt();
      }
    }

    /** Called by the work's thread: no interrupt comes after this, and none that came is left set. */
    synchronized void close() {
      over = true;
      Thread.interrupted();
    }
  }

  private static ScheduledThreadPoolExecutor deadlines() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon()
        .name("tandem-request-deadlines").factory());
    s.setRemoveOnCancelPolicy(true); // thousands of requests a second each leave a timer; most end in time
    return s;
  }
}
