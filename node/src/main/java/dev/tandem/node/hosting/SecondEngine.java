package dev.tandem.node.hosting;

import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import java.time.Duration;

/**
 * The other engine a {@link CrossCheck} runs its samples on: a sandbox of its own with one worker, made at the first
 * sample (GraalWasm costs hundreds of megabytes, so a node that never samples never pays for it), loading each
 * module from the node's store as the node's own sandbox does. A sample gets at least a minute: a cold engine is
 * slow, and a sample that times out only counts as inconclusive.
 */
public final class SecondEngine implements CrossCheck.OtherEngine, AutoCloseable {
  private static final Duration MIN_TIMEOUT = Duration.ofMinutes(1);

  private final Hosting hosting;
  private final String engine;
  private Sandbox sandbox;
  private boolean closed;

  public SecondEngine(Hosting hosting, String engine) {
    this.hosting = hosting;
    this.engine = engine;
  }

  @Override
  public Outcome run(HostedService service, ServiceCall call) throws Exception {
    Sandbox s = sandbox();
    var module = hosting.moduleFor(service.record(), s);
    Limits limits = service.limits();
    if (limits.timeout().compareTo(MIN_TIMEOUT) < 0) {
      limits = limits.withTimeout(MIN_TIMEOUT);
    }
    return s.call(module, call.canonical(), limits, hosting.inputs(service.record(), call.params()));
  }

  private synchronized Sandbox sandbox() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (sandbox == null) {
      sandbox = Sandbox.builder().engine(engine).threads(1).build();
    }
    return sandbox;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (sandbox != null) {
      sandbox.close();
    }
  }
}
