package dev.tandem.node.http;

import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.api.Envelope;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The requests a node has in hand, by POST or as WebSocket messages: at most {@code maxQueued} wait for or hold a
 * worker, and past that a request is refused before any work is done for it.
 */
final class Admission {
  private final Semaphore admitted;
  private final Executor workers;
  private final int maxQueued;

  Admission(int maxQueued, Executor workers) {
    this.admitted = new Semaphore(maxQueued);
    this.workers = workers;
    this.maxQueued = maxQueued;
  }

  /** Takes a place, or says there is none; a true must be followed by {@link #run} or {@link #release}. */
  boolean tryAdmit() {
    return admitted.tryAcquire();
  }

  /** Gives back a place taken by {@link #tryAdmit} for a request that will not run. */
  void release() {
    admitted.release();
  }

  /** The answer to a request refused by {@link #tryAdmit}. */
  byte[] full() {
    return Envelope.error(null, RpcErrors.OVERLOADED, "overloaded: this node has " + maxQueued
        + " requests in hand; try another node");
  }

  /**
   * Runs an admitted request's {@code job} on a worker, giving its place back when the job ends; when no worker can
   * take it, gives the place back and runs {@code refused} with the answer to send instead.
   */
  void run(Runnable job, Consumer<byte[]> refused) {
    try {
      workers.execute(() -> {
        try {
          job.run();
        } finally {
          admitted.release();
        }
      });
    } catch (RejectedExecutionException e) {
      admitted.release();
      refused.accept(Envelope.error(null, RpcErrors.OVERLOADED, "overloaded: no worker free; try another node"));
    }
  }
}
