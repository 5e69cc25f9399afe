package dev.tandem.sim;

import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.fault.Lies;
import dev.tandem.node.hosting.HostedService;
import dev.tandem.node.hosting.Runner;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;

/**
 * What a simulated node runs calls with, in place of the node's sandbox runner: the service module's real outcomes
 * from the {@link Oracle} (run in the sandbox once per distinct request), for every service in the registry. The
 * node's own {@link dev.tandem.node.api.ServiceEndpoint} and {@link dev.tandem.node.evidence.EvidenceHandler} call
 * it exactly as they call the sandbox runner on a real node.
 *
 * <p>A simulated liar's runner ({@link #lying}) is wrapped like a node started with {@code --unsafe-fault}: after
 * it turns, it twists some of its answers before the endpoint signs them; injected overload refuses calls with
 * {@code -32000}. Re-runs of evidence stay honest.
 */
final class SimRunner implements Runner {
  /** Calls never overlap in a simulation; the permits are there because the endpoint takes one per call. */
  private static final int PERMITS = 64;

  private final World world;
  private final Map<String, HostedService> hosted = new TreeMap<>();

  SimRunner(World world) {
    this.world = world;
  }

  @Override
  public Optional<HostedService> ready(String serviceId) {
    return world.registry().service(serviceId).map(r -> hosted.computeIfAbsent(serviceId, id -> hosted(id, r)));
  }

  private HostedService hosted(String id, ServiceRecord r) {
    var l = r.limits();
    Limits limits = Limits.builder().fuel(l.fuel()).memoryPages(l.memoryPages()).maxRequestBytes(l.maxRequestBytes())
        .maxResponseBytes(l.maxResponseBytes()).timeout(Duration.ofMillis(l.timeoutMs())).build();
    return new HostedService(id, r, world.oracle().module(), limits, new Semaphore(PERMITS));
  }

  @Override
  public boolean wants(String serviceId) {
    return world.registry().service(serviceId).isPresent();
  }

  @Override
  public Outcome run(HostedService service, ServiceCall call) {
    return world.oracle().answer(call).outcome();
  }

  @Override
  public Outcome rerun(ServiceRecord record, ServiceCall request) {
    return world.oracle().answer(request).outcome();
  }

  /** This runner as node {@code index} with {@code role} runs it: with injected overload, and lies once it turns. */
  Runner lying(int index, SimNode.Role role) {
    SimRunner honest = this;
    return new Runner() {
      /** Answers given so far, for a liar that lies only after a number of its own answers. */
      private long answersGiven;

      @Override
      public Optional<HostedService> ready(String serviceId) {
        return honest.ready(serviceId);
      }

      @Override
      public boolean wants(String serviceId) {
        return honest.wants(serviceId);
      }

      @Override
      public Outcome run(HostedService service, ServiceCall call) {
        if (world.rates().overload() > 0 && world.random().nextDouble() < world.rates().overload()) {
          world.tally().fault("node overloaded (-32000)");
          throw new JsonRpc.Failure(RpcErrors.OVERLOADED, "overloaded: too many concurrent calls of "
              + service.id() + "; try another node");
        }
        Outcome outcome = honest.run(service, call);
        if (role.liar() && turned(role) && lies(call, role)
            && outcome instanceof Outcome.Deterministic det) {
          world.tally().lieSigned(index);
          return Lies.asOutcome(world.lieStyle().twist(det.responseJson(), role.ordinal()), det.fuel());
        }
        return outcome;
      }

      @Override
      public Outcome rerun(ServiceRecord record, ServiceCall request) {
        return honest.rerun(record, request);
      }

      private boolean turned(SimNode.Role role) {
        return role.lieAfter() >= 0 ? answersGiven++ >= role.lieAfter() : world.tally().call() >= role.turnAt();
      }
    };
  }

  private boolean lies(ServiceCall call, SimNode.Role role) {
    if (world.lieStyle() == LieStyle.COLLUDE) {
      // colluders lie on the same requests, or their agreement would buy them nothing
      long h = Long.parseUnsignedLong(call.requestHash().substring(0, 13), 16) ^ world.lieSalt();
      return (double) (h & ((1L << 52) - 1)) / (1L << 52) < role.lieRate();
    }
    return world.random().nextDouble() < role.lieRate();
  }
}
