package dev.tandem.node.hosting;

import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Outcome;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a sample of the calls a node answers a second time, on its other WebAssembly engine, and raises an alarm when
 * the two disagree. Both engines run the same metered module, so a deterministic outcome (its label, response bytes
 * and fuel) must be the same on both; a difference is an engine bug (or a miscompilation, or a hardware fault) that
 * would have this node sign answers that honest nodes on the other engine contradict, and lose it the dispute.
 *
 * <p>The second run happens after the answer, on one worker of its own with a short queue: a sample that finds it
 * busy is dropped (counted), so checking never delays or blocks an answer. Outcomes that are not deterministic
 * (a timeout, an overloaded sandbox) on either side say nothing about the engines and are counted as inconclusive.
 */
public final class CrossCheck implements Runner, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CrossCheck.class);
  private static final String CHICORY = "chicory";
  /** Samples waiting for the worker; more are dropped. */
  private static final int QUEUE = 16;

  /** Runs a call of a service on the other engine. */
  @FunctionalInterface
  public interface OtherEngine {
    Outcome run(HostedService service, ServiceCall call) throws Exception;
  }

  /**
   * Two engines disagreed on one call.
   *
   * @param service     the service id
   * @param requestHash the request's hash, as evidence names it
   * @param engine      the engine that answered, and what it gave
   * @param other       the other engine, and what it gave
   */
  public record Divergence(String service, String requestHash, String engine, String outcome, String other,
                           String otherOutcome) {
    /** One line for logs and the dashboard. */
    public String describe() {
      return engine + " gave " + outcome + "; " + other + " gave " + otherOutcome;
    }
  }

  private final Runner primary;
  private final String engine;
  private final String otherName;
  private final OtherEngine other;
  private final double rate;
  private final RandomGenerator random;
  private final Consumer<Divergence> alarm;
  private final ThreadPoolExecutor worker;
  private final AtomicLong checked = new AtomicLong();
  private final AtomicLong diverged = new AtomicLong();
  private final AtomicLong inconclusive = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  /**
   * Samples handed to the worker and not finished: the executor's own counts miss a task given to a thread that has
   * not begun to run it yet, so {@link #drain} counts them itself.
   */
  private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * @param primary   the node's runner, whose answers are checked
   * @param engine    the name of the engine it runs on
   * @param otherName the name of the other engine
   * @param other     runs a call on the other engine
   * @param rate      the share of answered calls checked, 0 to 1
   * @param random    draws the sample
   * @param alarm     told of every divergence (after it is counted and logged)
   */
  public CrossCheck(Runner primary, String engine, String otherName, OtherEngine other, double rate,
      RandomGenerator random, Consumer<Divergence> alarm) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("the cross-check rate must be between 0 and 1, got " + rate);
    }
    this.primary = primary;
    this.engine = engine;
    this.otherName = otherName;
    this.other = other;
    this.rate = rate;
    this.random = random;
    this.alarm = alarm;
    this.worker = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "tandem-cross-check");
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.AbortPolicy());
    worker.allowCoreThreadTimeOut(true);
  }

  @Override
  public Optional<HostedService> ready(String serviceId) {
    return primary.ready(serviceId);
  }

  @Override
  public boolean wants(String serviceId) {
    return primary.wants(serviceId);
  }

  @Override
  public Outcome run(HostedService service, ServiceCall call) {
    Outcome outcome = primary.run(service, call);
    if (rate > 0 && outcome instanceof Outcome.Deterministic && service.module() != null
        && !service.record().isOci() && !ranOnTheOtherEngine(service) && random.nextDouble() < rate) {
      pending.incrementAndGet();
      try {
        worker.execute(() -> {
          try {
            check(service, call, outcome);
          } finally {
            pending.decrementAndGet();
          }
        });
      } catch (RejectedExecutionException busy) {
        pending.decrementAndGet();
        dropped.incrementAndGet();
      }
    }
    return outcome;
  }

  /**
   * Whether the call ran on Chicory while Chicory is the engine it would be checked on: a node on GraalWasm runs a
   * module on Chicory until GraalWasm is hot (its sandbox compares the two engines on samples meanwhile), and a
   * second Chicory run would check nothing.
   */
  private boolean ranOnTheOtherEngine(HostedService service) {
    String tier = service.module().tier();
    return CHICORY.equals(otherName) && !CHICORY.equals(engine)
        && ("interpreter".equals(tier) || "compiled".equals(tier));
  }

  @Override
  public Outcome rerun(ServiceRecord record, ServiceCall request) throws Exception {
    return primary.rerun(record, request);
  }

  @Override
  public void prefetch(HostedService service, ServiceCall call) {
    primary.prefetch(service, call);
  }

  @Override
  public Rerun prepareRerun(ServiceRecord record, ServiceCall request) throws Exception {
    return primary.prepareRerun(record, request);
  }

  private void check(HostedService service, ServiceCall call, Outcome answered) {
    Outcome second;
    try {
      second = other.run(service, call);
    } catch (Exception | StackOverflowError e) {
      inconclusive.incrementAndGet();
      LOG.info("cross-check of {} on {} could not run: {}", service.record().name(), otherName, e.toString());
      return;
    }
    if (!(second instanceof Outcome.Deterministic)) {
      inconclusive.incrementAndGet();
      return;
    }
    checked.incrementAndGet();
    if (answered.sameAs(second)) {
      return;
    }
    diverged.incrementAndGet();
    Divergence d = new Divergence(service.id(), call.requestHash(), engine, answered.summary(200), otherName,
        second.summary(200));
    LOG.error("ENGINE DIVERGENCE on service {} ({}), request {}: {}", service.record().name(), service.id(),
        call.requestHash(), d.describe());
    alarm.accept(d);
  }

  /** Calls checked on both engines with deterministic outcomes. */
  public long checked() {
    return checked.get();
  }

  /** Checks whose outcomes differed. */
  public long diverged() {
    return diverged.get();
  }

  /** Samples the other engine could not judge (it timed out, failed or was overloaded). */
  public long inconclusive() {
    return inconclusive.get();
  }

  /** Samples dropped because the worker was busy. */
  public long dropped() {
    return dropped.get();
  }

  /** Waits up to {@code millis} for the samples taken so far to be checked (for tests and shutdown). */
  public boolean drain(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (pending.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Stops checking; closes the other engine when it holds resources. */
  @Override
  public void close() {
    worker.shutdownNow();
    if (other instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.debug("closing the other engine: {}", e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "CrossCheck" + Arrays.asList(engine, otherName, rate);
  }
}
