package dev.tandem.sim;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded fault simulation of a Tandem network (in the spirit of FoundationDB's and TigerBeetle's simulators): many
 * nodes and clients in one JVM, on one thread, on virtual time, with liars and injected faults. The parts that
 * decide correctness are the real ones: the client SDK ({@link dev.tandem.client.TandemClient} and its call logic,
 * answer checks, selection, verifiers, scores, evidence), the sandbox running the real service module, Ed25519
 * attestations and evidence checks. The network, the node processes and time are simulated.
 *
 * <p>Every random choice comes from one seed, split into one stream per concern, and nothing depends on wall-clock
 * time, thread scheduling or hash order: the same {@link SimConfig} gives the same {@link SimSummary}, byte for
 * byte.
 */
public final class Simulation {
  /** Mean pause between one call and the next. */
  private static final Duration THINK = Duration.ofMillis(20);
  /** How long the network runs on after the last call, so evidence in flight is delivered and judged. */
  private static final Duration DRAIN = Duration.ofSeconds(60);
  private static final int REQUEST_POOL = 512;
  private static final ServiceLimits LIMITS = new ServiceLimits(1_000_000_000L, 256, 1 << 20, 1 << 20, 2_000);

  private Simulation() {}

  /** Runs {@code config} to the end. */
  public static SimSummary run(SimConfig config) throws IOException {
    return run(config, done -> { });
  }

  /**
   * Runs {@code config} to the end, telling {@code progress} how many calls were made after each one (for a progress
   * display; it has no part in the run, which stays a function of the config).
   */
  public static SimSummary run(SimConfig config, java.util.function.LongConsumer progress) throws IOException {
    byte[] wasm = Files.readAllBytes(config.module());
    SplittableRandom master = new SplittableRandom(config.seed());
    SplittableRandom setup = master.split();
    SplittableRandom serverSide = master.split();
    SplittableRandom network = master.split();
    SplittableRandom faults = master.split();
    SplittableRandom workload = master.split();
    SplittableRandom clientsRandom = master.split();

    VirtualTime time = new VirtualTime();
    Tally tally = new Tally();
    tally.steadyFrom(config.calls() / 2 + 1); // the second half: the clients' warm-up is over
    FaultRates rates = config.faults() ? FaultRates.defaults() : FaultRates.none();
    Cid cid = Cid.rawSha256(wasm);
    HttpClient unusedHttp = HttpClient.newHttpClient(); // clients must be given one; the transport replaces it
    try (Oracle oracle = new Oracle(cid.toString(), wasm, LIMITS.fuel())) {
      World world = new World(time, serverSide, network, rates, tally, oracle,
          config.collude() ? LieStyle.COLLUDE : LieStyle.INDEPENDENT);
      List<SimNode> nodes = nodes(config, world, setup);
      tally.nodes(nodes);
      List<ServiceRecord> services = register(config, world, nodes, cid);
      List<SimClient> clients = new ArrayList<>();
      List<String> parties = new ArrayList<>();
      nodes.forEach(n -> parties.add(n.name()));
      List<SimNode> honest = nodes.stream().filter(n -> !n.role().liar()).toList();
      for (int c = 0; c < config.clients(); c++) {
        // every second client runs inside an honest node (not the home server) and shares its scores
        SimNode host = c % 2 == 1 ? honest.get(honest.size() - 1 - (c / 2) % honest.size()) : null;
        SimClient client = new SimClient(world, "c" + c, host, services, clientsRandom.split(), unusedHttp,
            config.minRequests(), config.spotCheck(), config.audit(), config.referee());
        if (host == null) {
          world.network().join(client.name(), null);
          parties.add(client.name());
        }
        clients.add(client);
      }
      FaultSchedule schedule = new FaultSchedule(world, faults, nodes, clients, parties);
      schedule.start();

      Workload requests = new Workload(workload, REQUEST_POOL);
      for (long i = 1; i <= config.calls(); i++) {
        time.runUntil(time.nanoTime() + (long) (THINK.toNanos() * -Math.log(1 - workload.nextDouble())));
        List<SimClient> ready = clients.stream().filter(SimClient::available).toList();
        while (ready.isEmpty()) { // every client is inside a node that is down: wait for one to come back
          time.runUntil(time.nanoTime() + Duration.ofSeconds(1).toNanos());
          ready = clients.stream().filter(SimClient::available).toList();
        }
        SimClient client = ready.get(workload.nextInt(ready.size()));
        int service = workload.nextInt(services.size());
        ServiceCall request = requests.next(workload);
        tally.call(i);
        client.call(service, request, oracle.answer(request).responseHash());
        progress.accept(i);
      }
      schedule.stop();
      time.runUntil(time.nanoTime() + DRAIN.toNanos());
      SimSummary summary = SummaryText.of(config, tally, nodes, clients, services, time, oracle.executions());
      clients.forEach(SimClient::close);
      nodes.forEach(SimNode::close);
      return summary;
    } finally {
      unusedHttp.shutdownNow();
    }
  }

  private static List<SimNode> nodes(SimConfig config, World world, SplittableRandom setup) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 1; i < config.nodes(); i++) {
      candidates.add(i); // n00 is the home server: trusted by the service's owner, never a liar
    }
    boolean[] liar = new boolean[config.nodes()];
    for (int k = 0; k < config.liars(); k++) {
      liar[candidates.remove(setup.nextInt(candidates.size()))] = true;
    }
    // Colluders share one rate and one moment to turn (they lie on the same requests); independent liars each draw
    // their own. Rates are log-uniform in [0.01, 1]: some liars lie on every call, some on one call in a hundred.
    double shared = config.lieRate() >= 0 ? config.lieRate() : lieRate(setup);
    long sharedTurn = turnAt(setup, config.calls());
    List<SimNode> nodes = new ArrayList<>();
    int ordinal = 0;
    for (int i = 0; i < config.nodes(); i++) {
      KeyPair key = KeyPair.fromSeed(Hashes.sha256(("tandem-sim node " + config.seed() + " " + i)
          .getBytes(StandardCharsets.UTF_8)));
      SimNode.Role role = SimNode.Role.HONEST;
      if (liar[i]) {
        double rate = config.collude() || config.lieRate() >= 0 ? shared : lieRate(setup);
        long turn = config.collude() ? sharedTurn : turnAt(setup, config.calls());
        role = config.lieAfter() >= 0 ? new SimNode.Role(true, ordinal++, rate, 1, config.lieAfter())
            : new SimNode.Role(true, ordinal++, rate, turn, -1);
      }
      SimNode node = new SimNode(world, i, key, role);
      world.network().join(node.name(), node);
      nodes.add(node);
    }
    world.nodes(nodes);
    return nodes;
  }

  private static double lieRate(SplittableRandom random) {
    return Math.pow(0.01, random.nextDouble());
  }

  /** The call from which a liar lies: anywhere in the first 80% of the run, so convictions happen throughout. */
  private static long turnAt(SplittableRandom random, long calls) {
    return 1 + random.nextLong(Math.max(1, calls * 8 / 10));
  }

  /** Signs and registers one service per verifier (home server n00) and every node's server record. */
  private static List<ServiceRecord> register(SimConfig config, World world, List<SimNode> nodes, Cid module) {
    KeyPair owner = KeyPair.fromSeed(Hashes.sha256(("tandem-sim owner " + config.seed())
        .getBytes(StandardCharsets.UTF_8)));
    List<ServiceRecord> services = new ArrayList<>();
    for (String verifier : config.verifiers()) {
      ServiceRecord s = ServiceRecord.builder().name("matrix-" + verifier.substring("builtin:".length()))
          .module(module).verifier(verifier).limits(LIMITS)
          .home(config.noHome() ? null : nodes.get(0).url())
          .description("services/matrix under simulation").createdAt(VirtualTime.EPOCH.toEpochMilli())
          .sign(owner);
      world.registry().submit(s);
      services.add(s);
    }
    List<String> ids = services.stream().map(ServiceRecord::serviceId).toList();
    for (SimNode n : nodes) {
      world.registry().submit(new ServerRecord(n.key(), n.url(), ids, List.of(), ServerRecord.Capacity.defaults(),
          1, false, null).signedBy(n.keyPair()));
    }
    return services;
  }
}
