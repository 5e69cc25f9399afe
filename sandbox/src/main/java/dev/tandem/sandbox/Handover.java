package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.ImportFunction;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A module of a tiered sandbox on another engine than Chicory (GraalWasm): its first calls run on Chicory's
 * interpreter, which every sandbox prepares anyway for the load-time check, until the engine has made one instance
 * of it in the background (its context and parse, the slow part of its first call); every instance made after that
 * is the engine's. Both run the same metered module, so outcomes, results and fuel are the same (the cross-engine
 * tests compare them); a call keeps the engine it started on.
 */
final class Handover implements EngineModule {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Handover.class);
  private final EngineModule first;
  private final EngineModule target;
  private final CompletableFuture<Void> settled = new CompletableFuture<>();
  private volatile boolean handedOver;

  private Handover(EngineModule first, EngineModule target) {
    this.first = first;
    this.target = target;
  }

  /** The thread a sandbox makes first instances on. */
  static java.util.concurrent.ExecutorService thread() {
    return background("tandem-warm-up");
  }

  /** One daemon thread, there only while it has work: a node that loads nothing new holds no idle thread for it. */
  static java.util.concurrent.ExecutorService background(String name) {
    var pool = new java.util.concurrent.ThreadPoolExecutor(1, 1, 10, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Calls run on {@code first} until {@code instantiate}, run on {@code executor}, has made an instance of
   * {@code target}; if it cannot, they stay on {@code first} (same outcomes, other speed).
   */
  static Handover begin(EngineModule first, EngineModule target, java.util.concurrent.Executor executor,
      java.util.function.Supplier<Invocation.Raw> instantiate) {
    Handover h = new Handover(first, target);
    try {
      executor.execute(() -> {
        try {
          Invocation.Raw raw = instantiate.get();
          if (raw.completed()) {
            h.handedOver = true;
          } else {
            LOG.warn("a module stays on Chicory: its engine could not instantiate it: {}", raw.stopped());
          }
        } finally {
          h.settled.complete(null);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      h.settled.complete(null);
    }
    return h;
  }

  @Override
  public EngineInstance instantiate(List<ImportFunction> imports, int maxPages) {
    return (handedOver ? target : first).instantiate(imports, maxPages);
  }

  @Override
  public String tier() {
    return handedOver ? target.tier() : first.tier();
  }

  @Override
  public CompletionStage<Void> settled() {
    return settled.copy();
  }
}
