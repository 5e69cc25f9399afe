package dev.tandem.node.hosting;

import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Outcome;
import java.util.Optional;

/**
 * How the node's service endpoint and evidence handler run calls: the services ready here, a call of one of them
 * (serving), and a request of any service (re-running it to judge evidence). A node runs them with
 * {@link SandboxRunner}; a fault injected with {@code --unsafe-fault} wraps it, and the simulation supplies its own, so
 * the endpoint and the handler are the same code in every case.
 */
public interface Runner {

  /** The service if it is ready to run here. */
  Optional<HostedService> ready(String serviceId);

  /** Whether this node means to offer the service (ready or still being prepared). */
  boolean wants(String serviceId);

  /**
   * Obtains what {@code call} names by CID before it takes one of its service's permits, so that a call whose inputs
   * are slow to come holds no permit while they come: {@link #run} then finds them here.
   *
   * @throws JsonRpc.Failure when the call is refused (inputs malformed, not obtainable, or no fetch slot free)
   */
  default void prefetch(HostedService service, ServiceCall call) {}

  /**
   * Runs {@code call} of a ready service. The caller holds one of the service's permits.
   *
   * @throws JsonRpc.Failure when the call is refused before it runs (inputs malformed or not obtainable)
   */
  Outcome run(HostedService service, ServiceCall call);

  /**
   * Re-runs {@code request} of {@code record}, offered here or not, with the same inputs the judged call had.
   *
   * @throws Exception when it cannot be re-run here (the module or an input cannot be obtained, no container runtime)
   */
  Outcome rerun(ServiceRecord record, ServiceCall request) throws Exception;

  /**
   * Readies a re-run of {@code request}: what it needs from the network (the module, inputs by CID) is obtained here,
   * so the returned re-run only computes. Evidence bounds how many re-runs compute at once; fetching comes before
   * that bound, so a source that stalls holds no re-run slot.
   *
   * @throws Exception when it cannot be re-run here (as {@link #rerun})
   */
  default Rerun prepareRerun(ServiceRecord record, ServiceCall request) throws Exception {
    return () -> rerun(record, request);
  }

  /** A re-run whose module and inputs are in hand. */
  @FunctionalInterface
  interface Rerun {
    Outcome run() throws Exception;
  }
}
