package dev.tandem.node.fault;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.hosting.ForwardingRunner;
import dev.tandem.node.hosting.HostedService;
import dev.tandem.node.hosting.Runner;
import dev.tandem.sandbox.Outcome;
import java.util.Arrays;

/**
 * The faults that change how a call runs: a liar twists deterministic outcomes before the endpoint signs them, a slow
 * node waits first, a crashing one dies mid-call. Re-runs of evidence are left honest: a liar lies to clients, and
 * judges like any node.
 */
final class FaultyRunner extends ForwardingRunner {
  private final Fault fault;
  private final int liarSalt;

  FaultyRunner(Runner inner, Fault fault, PublicKey key) {
    super(inner);
    this.fault = fault;
    this.liarSalt = 1 + Math.floorMod(Arrays.hashCode(key.bytes()), 1_000_000);
  }

  @Override
  public Outcome run(HostedService service, ServiceCall call) {
    switch (fault) {
      case SLOW -> sleepQuietly(2_500); // slower than a client's slow threshold and hedge delay
      case CRASH -> throw new SimulatedCrash();
      default -> { }
    }
    Outcome outcome = inner.run(service, call);
    if (outcome instanceof Outcome.Deterministic det && (fault == Fault.LIE || fault == Fault.COLLUDE)) {
      byte[] wrong = fault == Fault.LIE
          ? Lies.twist(det.responseJson(), liarSalt) // a wrong answer of its own
          : Lies.twist(det.responseJson()); // the wrong answer every colluding liar signs
      return Lies.asOutcome(wrong, det.fuel());
    }
    return outcome;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
