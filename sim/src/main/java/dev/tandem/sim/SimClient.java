package dev.tandem.sim;

import dev.tandem.client.CallReport;
import dev.tandem.client.ServiceErrorException;
import dev.tandem.client.RefereeMode;
import dev.tandem.client.ServiceHandle;
import dev.tandem.client.TandemClient;
import dev.tandem.client.TandemException;
import dev.tandem.client.score.FileScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One client: the real {@link TandemClient}, given the simulation's transport and virtual time, reading records
 * from the simulated registry. A standalone client keeps its scores in a store that survives its restarts (as a
 * {@link FileScoreStore} would); a client inside a node shares that node's scores, so it blacklists liars the node
 * convicted from other clients' evidence, and it is down while its node is.
 */
final class SimClient {
  private final World world;
  private final String name;
  private final SimNode host;
  private final List<ServiceRecord> services;
  private final SplittableRandom random;
  private final HttpClient unusedHttp;
  private final int minRequests;
  private final double spotCheck;
  private final double audit;
  private final RefereeMode referee;
  private final FencedStore store = new FencedStore();
  private TandemClient client;
  private List<ServiceHandle> handles;
  private Scores hostScores;
  private boolean restartDue;

  SimClient(World world, String name, SimNode host, List<ServiceRecord> services, SplittableRandom random,
      HttpClient unusedHttp, int minRequests, double spotCheck, double audit, RefereeMode referee) {
    this.audit = audit;
    this.referee = referee;
    this.world = world;
    this.name = name;
    this.host = host;
    this.services = services;
    this.random = random;
    this.unusedHttp = unusedHttp;
    this.minRequests = minRequests;
    this.spotCheck = spotCheck;
  }

  String name() {
    return name;
  }

  /** Where its messages leave from: its own link, or its node's. */
  String endpoint() {
    return host == null ? name : host.name();
  }

  SimNode host() {
    return host;
  }

  /** Whether it can make a call now: a client inside a node runs only while the node does. */
  boolean available() {
    return host == null || host.up();
  }

  /** The process dies; it starts again from its stored scores before its next call. */
  void crash() {
    if (host == null) {
      store.fence();
      restartDue = true;
    }
  }

  /** Whether it has {@code node} blacklisted now (its last incarnation's view; convictions are stored at once). */
  boolean blacklists(SimNode node) {
    return client != null && client.scores().blacklisted(node.key());
  }

  /** Calls the service with index {@code service} and tells the tally how it went. */
  void call(int service, ServiceCall request, String truth) {
    ensure();
    String label = services.get(service).verifier().substring("builtin:".length());
    try {
      CallReport report = handles.get(service).callWithReport(request.method(), request.params());
      world.tally().answered(this, label, request, report, truth);
    } catch (ServiceErrorException e) {
      world.tally().answered(this, label, request, e.report().orElseThrow(), truth);
    } catch (TandemException e) {
      world.tally().failed(this, label, request, e, truth);
    }
  }

  /** Builds the client on first use, after a restart, and when its node restarted (new scores). */
  private void ensure() {
    boolean stale = client == null || restartDue || (host != null && host.scores() != hostScores);
    if (!stale) {
      return;
    }
    // An old client is abandoned, not closed: a crashed process flushes nothing.
    restartDue = false;
    TandemClient.Builder b = TandemClient.builder().registry(world.registry())
        .transport(world.network().transport(endpoint())).callClock(world.time()).clock(world.time().clock())
        .random(random.split()).httpClient(unusedHttp).minRequests(minRequests).spotCheck(spotCheck)
        .audit(audit).referee(referee)
        // The referee fetches the module from the simulation and re-runs in its sandbox; audits run inline, so
        // a run stays a function of its seed.
        .moduleSource((cid, nodes) -> world.oracle().wasm()).sandbox(world.oracle().sandbox())
        .auditExecutor(Runnable::run);
    if (host != null) {
      hostScores = host.scores();
      b.scores(hostScores);
    } else {
      b.scoreStore(store.open());
    }
    client = b.build();
    List<ServiceHandle> hs = new ArrayList<>();
    for (ServiceRecord s : services) {
      hs.add(client.service(s.serviceId()));
    }
    handles = hs;
  }

  /** Ends the run: stores scores. Evidence still on its way must have been delivered (the loop drained). */
  void close() {
    if (client != null) {
      client.close();
    }
  }
}
