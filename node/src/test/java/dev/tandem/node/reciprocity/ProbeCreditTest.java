package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.hosting.ForwardingRunner;
import dev.tandem.node.hosting.HostedService;
import dev.tandem.node.hosting.Runner;
import dev.tandem.sandbox.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Declaring an offer costs nothing: once this node has a request to probe a rewarded service with, another server's
 * offer of it earns credit from its first delivered probe, not before. An offer that cannot be probed keeps its
 * declared credit.
 */
class ProbeCreditTest {
  @Test
  void anOfferThatCanBeProbedEarnsNothingUntilItIs() throws Exception {
    KeyPair me = KeyPair.generate();
    KeyPair stranger = KeyPair.generate();
    ServiceRecord service = ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {1}))
        .sign(KeyPair.generate());
    String id = service.serviceId();
    ServerRecord record = new ServerRecord(stranger.publicKey(), URI.create("http://127.0.0.1:9"), List.of(id),
        List.of(), ServerRecord.Capacity.defaults(), 1, false, null).signedBy(stranger);
    DeliveryProbes probes = new DeliveryProbes(me.publicKey(), () -> List.of(record), () -> Set.of(id), k -> false,
        Transport.http(HttpClient.newHttpClient(), 1 << 20), e -> { },
        new DeliveryProbes.Settings(Duration.ofMinutes(1), Duration.ofSeconds(1)), Clock.systemUTC());
    assertThat(probes.undelivered(stranger.publicKey(), id)).as("no request to probe with: declared credit").isFalse();

    // This node judges evidence of the service: the re-run's request becomes one to probe with.
    Runner sampling = probes.sampling(reRunning(request -> new Outcome.Result("[1]".getBytes(StandardCharsets.UTF_8),
        10, "")));
    sampling.prepareRerun(service, ServiceCall.of("echo", Json.parse("[1]"))).run();
    assertThat(probes.sampled()).containsEntry(id, 1);
    assertThat(probes.undelivered(stranger.publicKey(), id)).as("probeable, not probed yet: no credit").isTrue();
  }

  /**
   * A rewarded service nobody asked this node about gets a request all the same: a call of a method no service has,
   * re-run here, whose deterministic answer a probed server must sign.
   */
  @Test
  void aServiceNobodyAskedAboutIsSeededWithACallOfAMethodNoServiceHas() throws Exception {
    KeyPair me = KeyPair.generate();
    ServiceRecord service = ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {2}))
        .sign(KeyPair.generate());
    String id = service.serviceId();
    DeliveryProbes probes = new DeliveryProbes(me.publicKey(), List::of, () -> Set.of(id), k -> false,
        Transport.http(HttpClient.newHttpClient(), 1 << 20), e -> { },
        new DeliveryProbes.Settings(Duration.ofMinutes(1), Duration.ofSeconds(1)), Clock.systemUTC());
    List<String> reRun = new java.util.ArrayList<>();
    Runner sampling = probes.sampling(reRunning(request -> {
      reRun.add(request.method());
      return new Outcome.Result("\"no such method\"".getBytes(StandardCharsets.UTF_8), 3, "");
    }));
    ProbeSeeds seeds = new ProbeSeeds(() -> Set.of(id), s -> s.equals(id) ? Optional.of(service) : Optional.empty(),
        probes::sampled, sampling);
    seeds.run();
    assertThat(reRun).containsExactly(ProbeSeeds.METHOD);
    assertThat(probes.sampled()).containsEntry(id, 1);
    seeds.run(); // seeded already: nothing more to run
    assertThat(reRun).hasSize(1);
  }

  /** A runner that only re-runs, as {@code rerun} says: the sandbox is not what these tests are about. */
  static Runner reRunning(java.util.function.Function<ServiceCall, Outcome> rerun) {
    return new Runner() {
      @Override
      public Optional<HostedService> ready(String serviceId) {
        return Optional.empty();
      }

      @Override
      public boolean wants(String serviceId) {
        return false;
      }

      @Override
      public Outcome run(HostedService s, ServiceCall call) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Outcome rerun(ServiceRecord r, ServiceCall request) {
        return rerun.apply(request);
      }
    };
  }

  /** A service whose seed fails (its module nobody serves) does not keep the next one from its turn. */
  @Test
  void aServiceThatCannotBeSeededDoesNotBlockTheOthers() throws Exception {
    ServiceRecord one = ServiceRecord.builder().name("one").module(Cid.rawSha256(new byte[] {3}))
        .sign(KeyPair.generate());
    ServiceRecord two = ServiceRecord.builder().name("two").module(Cid.rawSha256(new byte[] {4}))
        .sign(KeyPair.generate());
    // The one that cannot be seeded comes first in the services' order, so without turns it would be tried forever.
    boolean oneFirst = one.serviceId().compareTo(two.serviceId()) < 0;
    ServiceRecord lost = oneFirst ? one : two;
    ServiceRecord echo = oneFirst ? two : one;
    Map<String, ServiceRecord> records = Map.of(lost.serviceId(), lost, echo.serviceId(), echo);
    DeliveryProbes probes = new DeliveryProbes(KeyPair.generate().publicKey(), List::of, records::keySet, k -> false,
        Transport.http(HttpClient.newHttpClient(), 1 << 20), e -> { },
        new DeliveryProbes.Settings(Duration.ofMinutes(1), Duration.ofSeconds(1)), Clock.systemUTC());
    Runner sampling = probes.sampling(new ForwardingRunner(reRunning(request ->
        new Outcome.Result("\"no such method\"".getBytes(StandardCharsets.UTF_8), 3, ""))) {
      @Override
      public Runner.Rerun prepareRerun(ServiceRecord r, ServiceCall request) throws Exception {
        if (r.equals(lost)) {
          throw new java.io.IOException("no source has the module");
        }
        return super.prepareRerun(r, request);
      }
    });
    ProbeSeeds seeds = new ProbeSeeds(records::keySet, s -> Optional.ofNullable(records.get(s)), probes::sampled,
        sampling);
    seeds.run();
    seeds.run();
    assertThat(probes.sampled()).containsOnlyKeys(echo.serviceId());
  }
}
