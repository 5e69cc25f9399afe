package dev.tandem.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.score.Scores;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.observe.Activity;
import dev.tandem.node.observe.NodeMetrics;
import dev.tandem.node.api.Envelope;
import dev.tandem.node.api.NodeRpc;
import dev.tandem.node.api.ServiceCalls;
import dev.tandem.node.api.ServiceEndpoint;
import dev.tandem.node.evidence.EvidenceFeed;
import dev.tandem.node.evidence.EvidenceHandler;
import dev.tandem.node.evidence.EvidenceIntake;
import dev.tandem.node.evidence.EvidenceSync;
import dev.tandem.node.hosting.Runner;
import dev.tandem.node.store.EvidenceTable;
import dev.tandem.node.store.NodeDb;
import java.net.URI;
import java.util.HexFormat;
import java.util.List;

/**
 * One simulated server: a thin host for the node's own parts on the simulation's network and clock. Calls to
 * {@code POST /services/{id}} go to the node's {@link ServiceEndpoint} (parsing, permits, the Ed25519 attestation, the
 * answer's bytes), {@code POST /rpc} to the node's {@link NodeRpc} with {@code tandem_submitEvidence} answered by the
 * node's {@link EvidenceHandler} (checks, the re-run, convictions, stored verdicts in an SQLite {@link NodeDb},
 * forwarding once signed as reporter, over the simulated {@link dev.tandem.core.rpc.Transport}) and
 * {@code tandem_evidence} by the node's {@link EvidenceFeed}. Like a real node, an honest one also pulls the
 * convicting evidence it missed from every other server: the node's own {@link EvidenceSync}, its rounds run as
 * events on the simulation's clock, its calls over the simulated network, its cursors in the node's database. What
 * is simulated: the outcome of running the module ({@link SimRunner}: the real sandbox, memoized), the process
 * (crashes) and how long work takes. A liar signs wrong answers ({@link SimRunner#lying}), ignores evidence and pulls
 * none (its feed, from a database it never stores evidence in, is empty).
 *
 * <p>It crashes and restarts: a crash loses what the process held in memory (scores not yet stored, answers being
 * computed, its activity), while its database (stored scores, evidence judged) survives.
 */
final class SimNode implements SimNetwork.Host {

  /**
   * Whether and how a node lies: a liar behaves until call {@code turnAt} (earning a good score, as a patient
   * cheater would), or until it gave {@code lieAfter} answers when that is not negative, then lies on a call with
   * probability {@code lieRate}.
   */
  record Role(boolean liar, int ordinal, double lieRate, long turnAt, long lieAfter) {
    static final Role HONEST = new Role(false, -1, 0, Long.MAX_VALUE, -1);
  }

  /** The node's default bound on requests in one JSON-RPC batch. */
  private static final int MAX_BATCH = 100;

  private final World world;
  private final int index;
  private final String name;
  private final KeyPair key;
  private final URI url;
  private final Role role;
  private final FencedStore store = new FencedStore();
  /** The node's database: it outlives crashes, like the file. */
  private final NodeDb db;
  private final SimRunner runner;
  /** How it runs the calls it serves: {@code runner}, lying when it is a liar; its count of answers survives crashes. */
  private final Runner serving;
  private final long workNanos;
  private boolean up = true;
  private int epoch;
  private long slowUntil;
  private long slowExtra;
  /** The current process. */
  private Process process;

  /**
   * What one incarnation of the node holds in memory: its parts, wired as {@code Node} wires them ({@code sync} is
   * null in a liar).
   */
  private record Process(Scores scores, ServiceCalls endpoint, NodeRpc rpc, EvidenceSync sync) {}

  SimNode(World world, int index, KeyPair key, Role role) {
    this.world = world;
    this.index = index;
    this.name = String.format("n%02d", index);
    this.key = key;
    this.url = URI.create("http://" + name + ".sim:7400");
    this.role = role;
    this.workNanos = SimNetwork.ms(0.5 + world.random().nextDouble() * 4.5);
    this.db = NodeDb.inMemory(HexFormat.of().formatHex(Hashes.sha256(key.publicKey().bytes()), 0, 16));
    this.runner = new SimRunner(world);
    this.serving = runner.lying(index, role);
    this.process = start();
  }

  private Process start() {
    Scores scores = new Scores(store.open(), world.time().clock());
    Activity activity = new Activity();
    NodeMetrics metrics = new NodeMetrics();
    ServiceEndpoint endpoint = new ServiceEndpoint(serving, key, metrics, activity, (service, fuel) -> { },
        MAX_BATCH, world.time().clock());
    EvidenceHandler evidence = new EvidenceHandler(key, world.registry(), runner, scores, activity, db,
        this::forwardTo, world.network().transport(name), attestation -> { },
        new EvidenceIntake(EvidenceIntake.Settings.defaults(), world.time().clock()), world.time().clock());
    NodeRpc rpc = new NodeRpc("", MAX_BATCH);
    rpc.method(Methods.SUBMIT_EVIDENCE, role.liar() ? params -> ignored() : params -> judged(evidence.submit(params)));
    rpc.method(EvidenceFeed.METHOD, new EvidenceFeed(new EvidenceTable(db))::handle);
    EvidenceSync sync = null;
    if (!role.liar()) {
      // The node's default interval; the first round one interval after the process starts, as on a node.
      sync = new EvidenceSync((item, from) -> pulled(evidence.receivePulled(item, from)), db, this::forwardTo,
          world.network().transport(name), EvidenceSync.Settings.every(EvidenceSync.Settings.DEFAULT_INTERVAL),
          world.time().clock(), (delay, task) -> world.time().after(delay.toNanos(), task));
      sync.start();
    }
    return new Process(scores, endpoint, rpc, sync);
  }

  int index() {
    return index;
  }

  @Override
  public String name() {
    return name;
  }

  PublicKey key() {
    return key.publicKey();
  }

  KeyPair keyPair() {
    return key;
  }

  URI url() {
    return url;
  }

  Role role() {
    return role;
  }

  @Override
  public boolean up() {
    return up;
  }

  @Override
  public int epoch() {
    return epoch;
  }

  /** This node's scores of other servers (its current process's). */
  Scores scores() {
    return process.scores();
  }

  /** The process dies: answers being computed are lost, and so are score changes not yet stored. */
  void crash() {
    up = false;
    epoch++;
    store.fence();
    if (process.sync() != null) {
      process.sync().close(); // its rounds die with the process; the cursors stay in the database
    }
  }

  /** The process starts again from its database. */
  void restart() {
    up = true;
    process = start();
  }

  /** Answers slower by {@code extraNanos} for {@code forNanos}. */
  void slowDown(long forNanos, long extraNanos) {
    slowUntil = world.time().nanoTime() + forNanos;
    slowExtra = extraNanos;
  }

  @Override
  public SimNetwork.Served handle(String from, String path, byte[] body) {
    long nanos = workNanos + (world.time().nanoTime() < slowUntil ? slowExtra : 0);
    if (path.startsWith("/services/")) {
      return new SimNetwork.Served(200, process.endpoint().handle(path.substring("/services/".length()), body),
          nanos);
    }
    if (path.equals("/rpc")) {
      NodeRpc.Answer answer = process.rpc().handle(body, null);
      return new SimNetwork.Served(answer.status(), answer.body(), nanos);
    }
    return new SimNetwork.Served(404, Envelope.error(null, RpcErrors.METHOD_NOT_FOUND, "no route " + path), nanos);
  }

  /** The nodes new evidence is forwarded to: every other server in the registry, as a node's known servers. */
  private List<URI> forwardTo() {
    return world.registry().servers().stream().map(ServerRecord::url).filter(u -> !u.equals(url)).toList();
  }

  /** Counts the convictions in a verdict this node just reached (a known verdict names nobody). */
  private JsonNode judged(JsonNode verdict) {
    for (JsonNode k : verdict.path("convicted")) {
      PublicKey convicted = PublicKey.parse(k.asText());
      if (!convicted.equals(key.publicKey())) {
        world.tally().nodeConvicted(index, convicted);
      }
    }
    return verdict;
  }

  /** Counts the convictions of evidence this node pulled and judged for the first time. */
  private EvidenceHandler.Receipt pulled(EvidenceHandler.Receipt receipt) {
    if (!receipt.known()) {
      for (PublicKey convicted : receipt.verdict().convicted()) {
        if (!convicted.equals(key.publicKey())) {
          world.tally().nodeConvicted(index, convicted, true);
        }
      }
    }
    return receipt;
  }

  /** Stops the evidence sync at the end of a run. */
  void close() {
    if (process.sync() != null) {
      process.sync().close();
    }
  }

  /** This node's evidence sync, null in a liar. */
  EvidenceSync evidenceSync() {
    return process.sync();
  }

  /** A liar keeps quiet about lies. */
  private static JsonNode ignored() {
    return Json.object().put("status", "ignored");
  }
}
