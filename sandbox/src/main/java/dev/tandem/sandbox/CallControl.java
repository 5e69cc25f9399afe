package dev.tandem.sandbox;

/**
 * The handshake between a caller waiting for a call and the worker thread running it. The caller may
 * {@linkplain #expire() expire} the call when its deadline passes; the worker is then interrupted, and whatever it
 * finishes with is reported as a timeout. The lock makes sure an interrupt only ever reaches the thread while it runs
 * this call, never the next call the pooled thread picks up.
 */
final class CallControl {
  private Thread runner;
  /** The call's engine instance once made, to stop guest code that does not see thread interrupts (GraalWasm). */
  private dev.tandem.sandbox.engine.EngineInstance instance;
  private boolean expired;
  private boolean finished;
  /** The call was stopped to be started again on a faster tier (see {@link #supersede()}). */
  private boolean superseded;

  /** Called by the worker before it starts; false when the call expired while queued (then it must not run). */
  synchronized boolean start() {
    if (expired) {
      finished = true;
      return false;
    }
    runner = Thread.currentThread();
    return true;
  }

  /**
   * Called by the worker when done; returns whether the deadline passed first. Clears the interrupt this call may
   * have left on the pooled thread.
   */
  boolean finish() {
    boolean late;
    synchronized (this) {
      runner = null;
      instance = null;
      finished = true;
      late = expired;
    }
    Thread.interrupted();
    return late;
  }

  /**
   * Called by the worker once it made the call's engine instance; if the deadline already passed, the instance is
   * interrupted at once.
   */
  void running(dev.tandem.sandbox.engine.EngineInstance made) {
    boolean late;
    synchronized (this) {
      instance = made;
      late = expired && !finished;
    }
    if (late) {
      made.interrupt();
    }
  }

  /** Called by the caller at the deadline: marks the call expired and interrupts it if it is running. */
  void expire() {
    dev.tandem.sandbox.engine.EngineInstance running;
    synchronized (this) {
      if (finished) {
        return;
      }
      expired = true;
      if (runner != null) {
        runner.interrupt();
      }
      running = instance;
    }
    // Outside the lock: an engine may wait for its guest code to stop, and the worker asks expired() on its way out.
    if (running != null) {
      running.interrupt();
    }
  }

  synchronized boolean expired() {
    return expired;
  }

  /**
   * Called when a faster tier of the module became ready while this call runs on a slower one: stops the run the
   * way a deadline does, so that the caller starts the call again (same deadline) on the faster tier.
   */
  void supersede() {
    dev.tandem.sandbox.engine.EngineInstance running;
    synchronized (this) {
      if (finished || expired || runner == null) {
        return;
      }
      superseded = true;
      runner.interrupt();
      running = instance;
    }
    if (running != null) {
      running.interrupt();
    }
  }

  /**
   * Whether the run that just ended was stopped by {@link #supersede()}; if so, clears that and the interrupt it
   * left, so the call can run again under this control.
   */
  boolean takeSuperseded() {
    synchronized (this) {
      if (!superseded || expired) {
        return false;
      }
      superseded = false;
      instance = null;
    }
    Thread.interrupted();
    return true;
  }
}
