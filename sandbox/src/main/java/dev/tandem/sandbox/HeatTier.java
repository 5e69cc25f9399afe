package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.ImportFunction;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A module of a sandbox on another engine than Chicory (GraalWasm), tiered by heat: calls run on Chicory (its
 * interpreter while Chicory compiles the module, then the compiled code) and, one at a time in the background, a
 * sample of them runs again on the other engine; calls move to the other engine once it has answered
 * {@value #STREAK} samples in a row exactly as Chicory did and at least as fast.
 *
 * <p>Why: an engine that optimizes what runs often (GraalWasm compiles a hot loop only after running it for a while)
 * is slow on a module's first calls, seconds to a minute for a long loop, while Chicory's compiled code answers at
 * its full speed from the first call. Tiered by heat, a node is never slower than Chicory, and as fast as the other
 * engine once that is hot. A module that the other engine never runs faster (a small one, whose calls are mostly
 * making the instance) stays on Chicory after {@value #MAX_SAMPLES} samples. One that the two engines answer
 * differently stays on Chicory for good, with an error logged: outcomes, responses and fuel must be the same on
 * every engine, so a difference is an engine bug, and the engine it was found on is the one not trusted with it.
 *
 * <p>The samples are the heat: a module called rarely warms up slowly, and costs the other engine little. A sample
 * runs under the call's own limits, through the sandbox's bound on running calls, and only when no other sample of
 * the module is running, so it at most doubles the work of one call at a time.
 */
final class HeatTier implements EngineModule {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HeatTier.class);
  /** Samples in a row the other engine must answer at least as fast as Chicory before calls move to it. */
  static final int STREAK = 3;
  /** Samples after which a module the other engine does not run faster stays on Chicory. */
  static final int MAX_SAMPLES = 2_000;

  /** A call's outcome and how long its engine took to run it (instance, start and call; no waiting). */
  record Timed(Outcome outcome, long nanos) {}

  private enum State { WARMING, HOT, STAYS }

  private final String cid;
  private final EngineModule chicory;
  private final EngineModule target;
  private final String targetName;
  private final Executor samples;
  /** The other engine's time over Chicory's that counts as "at least as fast" (1; tests widen it). */
  private final double threshold;
  /** Told when the engines disagree. */
  private final Consumer<EngineDivergence> onDivergence;
  private final AtomicBoolean sampling = new AtomicBoolean();
  private final CompletableFuture<Void> settled = new CompletableFuture<>();
  private volatile State state = State.WARMING;
  /** Written by one sample at a time (the {@link #sampling} flag), read by the next on perhaps another thread. */
  private volatile int taken;
  private volatile int streak;
  private volatile LoadedModule targetModule;

  HeatTier(String cid, EngineModule chicory, EngineModule target, String targetName, Executor samples,
           double threshold, Consumer<EngineDivergence> onDivergence) {
    this.onDivergence = onDivergence;
    this.cid = cid;
    this.chicory = chicory;
    this.target = target;
    this.targetName = targetName;
    this.samples = samples;
    this.threshold = threshold;
  }

  /** The module as the other engine runs it, what samples run on. */
  void targetModule(LoadedModule module) {
    this.targetModule = module;
  }

  LoadedModule targetModule() {
    return targetModule;
  }

  /**
   * Whether the call about to run should be sampled: the module is still warming, Chicory runs it compiled (a
   * sample against Chicory's interpreter would move calls too early) and no other sample is running. A caller
   * that gets true must call {@link #sample} or {@link #skip}.
   */
  boolean wantsSample() {
    return state == State.WARMING && ChicoryEngine.COMPILED.equals(chicory.tier())
        && sampling.compareAndSet(false, true);
  }

  /** Gives back a sample granted by {@link #wantsSample} without taking it. */
  void skip() {
    sampling.set(false);
  }

  /**
   * Runs {@code onTarget} in the background and compares it with what Chicory gave; moves calls to the other engine
   * or leaves them on Chicory for good when the samples say so.
   */
  void sample(Timed onChicory, Supplier<Timed> onTarget, byte[] request) {
    try {
      samples.execute(() -> {
        try {
          judge(onChicory, onTarget.get(), request);
        } catch (RuntimeException | Error e) {
          LOG.warn("a sample of {} on {} failed: {}", cid, targetName, e.toString());
        } finally {
          sampling.set(false);
        }
      });
    } catch (RejectedExecutionException closed) {
      sampling.set(false);
    }
  }

  private void judge(Timed onChicory, Timed onTarget, byte[] request) {
    if (state != State.WARMING) {
      return;
    }
    int n = ++taken;
    if (onChicory.outcome() instanceof Outcome.Deterministic && onTarget.outcome() instanceof Outcome.Deterministic) {
      if (!onChicory.outcome().sameAs(onTarget.outcome())) {
        String a = onChicory.outcome().summary(300);
        String b = onTarget.outcome().summary(300);
        LOG.error("ENGINE DIVERGENCE on module {}: chicory gave {}; {} gave {}. Its calls stay on chicory.", cid,
            a, targetName, b);
        settle(State.STAYS);
        onDivergence.accept(new EngineDivergence(cid, Hashes.sha256Hex(request), targetName,
            "chicory gave " + a + "; " + targetName + " gave " + b));
        return;
      }
      streak = onTarget.nanos() <= threshold * onChicory.nanos() ? streak + 1 : 0;
      if (streak >= STREAK) {
        LOG.info("module {} moves to {} after {} samples: the last took {} µs there against {} µs on chicory", cid,
            targetName, n, onTarget.nanos() / 1000, onChicory.nanos() / 1000);
        settle(State.HOT);
        return;
      }
    } // a timeout or an overloaded sandbox on either side says nothing about the engines
    if (n >= MAX_SAMPLES) {
      LOG.info("module {} stays on chicory: {} did not run it faster in {} samples", cid, targetName, n);
      settle(State.STAYS);
    }
  }

  private void settle(State end) {
    state = end;
    settled.complete(null);
  }

  @Override
  public EngineInstance instantiate(List<ImportFunction> imports, int maxPages) {
    return (state == State.HOT ? target : chicory).instantiate(imports, maxPages);
  }

  /** A call that starts on Chicory's interpreter starts again once Chicory has compiled the module. */
  @Override
  public CompletionStage<Void> upgrade() {
    return (state == State.HOT ? target : chicory).upgrade();
  }

  /** {@code interpreter} or {@code compiled} while calls run on Chicory, the other engine's tier once they moved. */
  @Override
  public String tier() {
    return state == State.HOT ? target.tier() : chicory.tier();
  }

  /** Completes once calls have moved to the other engine, or stay on Chicory for good. */
  @Override
  public CompletionStage<Void> settled() {
    return settled.copy();
  }

  /** For tests and logs: samples taken so far. */
  int samplesTaken() {
    return taken;
  }
}
