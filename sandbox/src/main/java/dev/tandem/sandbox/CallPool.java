package dev.tandem.sandbox;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The threads calls run on: a bounded pool of platform threads with very large stacks, and the wall-clock deadline.
 *
 * <p>Why large stacks: the metering injected into every module traps deterministically when calls nest deeper than
 * {@link Limits#maxCallDepth()}. If the JVM stack overflowed first, the outcome would depend on the JVM, the mode
 * (compiled or interpreted) and the frame sizes, i.e. not be deterministic. The stack is sized for
 * {@link Limits#MAX_CALL_DEPTH} in the interpreter, the mode with the largest frames; the memory is only reserved,
 * and committed as far as a call actually goes.
 *
 * <p>Why a queue bound: a node under load should say "overloaded" at once (non-deterministic, the client retries
 * elsewhere) instead of letting calls wait out their deadline.
 *
 * <p>A caller on a thread made by {@link #newCallThread} (the node's request threads are) runs the call itself while
 * fewer than {@code threads} calls run (there or on the workers: the bound is one, so a stranger's slow calls cannot
 * keep more than {@code threads} busy either way): the stack is as large, the deadline is kept by a timer that expires
 * the call as a waiting caller would, and the hand-off to a worker and back (a tenth of a small call's cost on a
 * node) is saved. Past that, or on any other thread, calls go to the workers.
 */
final class CallPool implements AutoCloseable {
  /** Stack of each worker thread. */
  static final long STACK_BYTES = 512L << 20;
  /** How long to wait, after interrupting a late call, for it to stop and report the fuel it used. */
  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ThreadPoolExecutor executor;
  /** Calls running, on workers or on their callers' own threads: at most {@code threads} at once. */
  private final Semaphore running;
  /** Expires calls run inline at their deadline; its one thread exists only while it has deadlines to keep. */
  private final ScheduledThreadPoolExecutor deadlines;

  /** A thread whose stack is large enough to run calls on (see {@link #STACK_BYTES}). */
  private static final class CallThread extends Thread {
    CallThread(Runnable job, String name) {
      super(null, job, name, STACK_BYTES);
    }
  }

  /** A thread that can run calls itself instead of handing them to a worker. */
  static Thread newCallThread(Runnable job, String name) {
    return new CallThread(job, name);
  }

  /**
   * One daemon thread that can run calls itself, there only while it has work: a sandbox that loads nothing new
   * holds no idle thread for it. For work beside the calls (compiling, samples on another engine).
   */
  static java.util.concurrent.ExecutorService background(String name) {
    var pool = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
        r -> {
          Thread t = newCallThread(r, name);
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  CallPool(int threads, int queueCapacity) {
    int pool = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(null, r, "tandem-sandbox-" + pool + "-" + count.incrementAndGet(), STACK_BYTES);
      t.setDaemon(true);
      return t;
    };
    executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueCapacity), factory, new ThreadPoolExecutor.AbortPolicy());
    // Idle workers go away, so a quiet sandbox holds no threads.
    executor.allowCoreThreadTimeOut(true);
    running = new Semaphore(threads);
    deadlines = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "tandem-sandbox-" + pool + "-deadlines");
      t.setDaemon(true);
      return t;
    });
    deadlines.setRemoveOnCancelPolicy(true);
    deadlines.setKeepAliveTime(10, TimeUnit.SECONDS);
    deadlines.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs {@code work} on a worker within {@code timeout} (queueing included). Past the deadline the worker is
   * interrupted and the outcome is {@link Outcome.NonDeterministic.Reason#TIMEOUT}, whatever the work returns.
   */
  Invocation.Raw run(Function<CallControl, Invocation.Raw> work, Duration timeout) {
    if (Thread.currentThread() instanceof CallThread && !executor.isShutdown() && running.tryAcquire()) {
      try {
        return runHere(work, timeout);
      } finally {
        running.release();
      }
    }
    CallControl control = new CallControl();
    FutureTask<Invocation.Raw> task = new FutureTask<>(() -> {
      if (!control.start()) {
        return timedOut(0, "the deadline passed while the call was queued");
      }
      try {
        running.acquire(); // calls run on callers' threads count too: never more than the pool size at once
      } catch (InterruptedException e) {
        control.finish(); // the deadline passed while waiting: clears its interrupt
        return timedOut(0, "the deadline passed while the call was queued");
      }
      try {
        return runStarted(control, work, timeout);
      } finally {
        running.release();
      }
    });
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      return executor.isShutdown()
          ? failed(Outcome.NonDeterministic.Reason.SHUTDOWN, "the sandbox is closed", 0)
          : failed(Outcome.NonDeterministic.Reason.OVERLOADED,
              "all " + executor.getMaximumPoolSize() + " workers are busy and the queue is full", 0);
    }
    try {
      return task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      control.expire();
      try {
        // Either the call noticed the deadline (and reports a timeout with the fuel it used), or it had just
        // finished, in which case its outcome stands.
        return task.get(GRACE_NANOS, TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException | InterruptedException stillRunning) {
        if (stillRunning instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        return timedOut(0, "the deadline of " + timeout.toMillis() + " ms passed; the call is still stopping");
      }
    } catch (ExecutionException e) {
      return failed(Outcome.NonDeterministic.Reason.INTERNAL, "the call failed in the host: " + e.getCause(), 0);
    } catch (InterruptedException e) {
      control.expire();
      Thread.currentThread().interrupt();
      return failed(Outcome.NonDeterministic.Reason.INTERNAL, "the calling thread was interrupted", 0);
    }
  }

  /** {@link #run} on the caller's thread: the same outcomes, the deadline kept by a timer instead of a waiting caller. */
  private Invocation.Raw runHere(Function<CallControl, Invocation.Raw> work, Duration timeout) {
    CallControl control = new CallControl();
    control.start();
    ScheduledFuture<?> deadline;
    try {
      deadline = deadlines.schedule(control::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      control.finish();
      return failed(Outcome.NonDeterministic.Reason.SHUTDOWN, "the sandbox is closed", 0);
    }
    try {
      return runStarted(control, work, timeout);
    } catch (RuntimeException | Error e) { // as a worker's failure reaches the waiting caller
      return failed(Outcome.NonDeterministic.Reason.INTERNAL, "the call failed in the host: " + e, 0);
    } finally {
      deadline.cancel(false);
    }
  }

  /** Runs a started call; a timeout, with the fuel it used, when its deadline passed first. */
  private static Invocation.Raw runStarted(CallControl control, Function<CallControl, Invocation.Raw> work,
      Duration timeout) {
    Invocation.Raw outcome = null;
    boolean late;
    try {
      outcome = work.apply(control);
    } finally {
      // finish() must run even if work throws, so the thread's interrupt status is cleaned for the next call.
      late = control.finish();
    }
    return late ? timedOut(outcome.fuel(), "the deadline of " + timeout.toMillis() + " ms passed") : outcome;
  }

  private static Invocation.Raw timedOut(long fuel, String detail) {
    return failed(Outcome.NonDeterministic.Reason.TIMEOUT, detail, fuel);
  }

  private static Invocation.Raw failed(Outcome.NonDeterministic.Reason reason, String detail, long fuel) {
    return Invocation.Raw.stopped(new Outcome.NonDeterministic(reason, detail, fuel, ""));
  }

  /** Live worker threads (for tests and metrics). */
  /** Calls running now (holding one of the {@code threads} permits). */
  int runningCalls() {
    return executor.getMaximumPoolSize() - running.availablePermits();
  }

  int liveThreads() {
    return executor.getPoolSize();
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("sandbox workers did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
