package dev.tandem.node;

import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.crypto.Signing;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.Scores;
import dev.tandem.node.api.NodeRpc;
import dev.tandem.node.api.ServiceCalls;
import dev.tandem.node.api.ServiceEndpoint;
import dev.tandem.node.dashboard.DashboardData;
import dev.tandem.node.dashboard.NetworkView;
import dev.tandem.node.dashboard.Recent;
import dev.tandem.node.evidence.EvidenceFeed;
import dev.tandem.node.evidence.EvidenceHandler;
import dev.tandem.node.evidence.EvidenceIntake;
import dev.tandem.node.evidence.EvidenceSync;
import dev.tandem.node.fault.Fault;
import dev.tandem.node.guard.Guards;
import dev.tandem.node.guard.Limit;
import dev.tandem.node.guard.NodeLimits;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.hosting.CrossCheck;
import dev.tandem.node.hosting.CallMemory;
import dev.tandem.node.hosting.Runner;
import dev.tandem.node.hosting.SecondEngine;
import dev.tandem.node.hosting.SandboxRunner;
import dev.tandem.node.http.CallerAddress;
import dev.tandem.node.http.HttpApi;
import dev.tandem.node.http.HttpServer;
import dev.tandem.node.http.TrustedProxies;
import dev.tandem.node.ipfs.BlockStore;
import dev.tandem.node.ipfs.ContentFetcher;
import dev.tandem.node.modules.ModuleFetcher;
import dev.tandem.node.modules.ModuleStore;
import dev.tandem.node.modules.RecordIntake;
import dev.tandem.node.observe.Activity;
import dev.tandem.node.observe.NodeMetrics;
import dev.tandem.node.quota.PeerHostQuota;
import dev.tandem.node.reciprocity.DeliveryProbes;
import dev.tandem.node.reciprocity.Ledger;
import dev.tandem.node.reciprocity.Reciprocity;
import dev.tandem.node.store.EvidenceTable;
import dev.tandem.node.store.NodeDb;
import dev.tandem.node.store.SqliteScoreStore;
import dev.tandem.registry.Registry;
import dev.tandem.registry.evm.EvmRegistry;
import dev.tandem.registry.gossip.Gossip;
import dev.tandem.registry.gossip.RegistryRpc;
import dev.tandem.registry.store.SqliteRegistry;
import dev.tandem.sandbox.EngineDivergence;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.oci.OciRuntime;
import dev.tandem.sandbox.oci.Podman;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Tandem node, assembled from its parts: serves the services it offers over JSON-RPC with signed attestations, keeps
 * the signed registry in sync with its peers, and fetches modules by CID. This class only connects the parts (each
 * lives in its own package and knows nothing of this one). Start with {@link #start(NodeConfig)}; {@link #close()}
 * stops it gracefully.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  public static final String VERSION = "0.1.0";
  /** How many peers the evidence sync pulls from in one round ({@link SelfRecord#evidencePeers}). */
  static final int EVIDENCE_SYNC_PEERS = 16;
  /** Nodes new evidence is forwarded to (the configured peers, then a sample of the others); the sync does the rest. */
  static final int EVIDENCE_FANOUT = 16;

  /** The configuration, as the operator's admin calls last changed it ({@link NodeAdmin}). */
  private final AtomicReference<NodeConfig> config;
  private final KeyPair key;
  private final Registry registry;
  private final Sandbox sandbox;
  private final ModuleStore modules;
  private final Hosting hosting;
  private final NodeDb db;
  private final Scores scores;
  private final Ledger ledger;
  private final Reciprocity reciprocity;
  /** Checks that servers deliver the services this node rewards, for reciprocity credit. */
  private final DeliveryProbes probes;
  /** Runs a sample of answers again on the other engine; null when --cross-check-rate is 0. */
  private final CrossCheck crossCheck;
  private final NodeMetrics metrics = new NodeMetrics();
  private final Activity activity = new Activity();
  private final SelfRecord self;
  private final EvidenceHandler evidence;
  /** Pulls the convicting evidence this node missed; null when turned off. */
  private final EvidenceSync evidenceSync;
  private final ServiceCalls endpoint;
  private final NodeRpc rpc;
  private final HttpServer server;
  private final Gossip gossip;

  private Node(NodeConfig initial) throws Exception {
    this.config = new AtomicReference<>(initial);
    Path data = initial.dataDir();
    Files.createDirectories(data);
    this.key = KeyPair.loadOrCreate(data.resolve("node.key"));
    String adminToken = AdminToken.loadOrCreate(initial.dataDir(), initial.adminTokenFile());
    this.registry = initial.registrySpec().isPresent()
        ? EvmRegistry.connect(initial.registrySpec().get(), initial.ethKeyFile().orElse(null))
        : SqliteRegistry.open(data.resolve("registry.db")).quotas(Guards.registryQuotas(initial.limits()));
    // Tiered: a module answers on the interpreter while it compiles, so a new service answers sooner (same outcomes).
    this.sandbox = Sandbox.builder().engine(initial.engine()).tiered(true).onEngineDivergence(this::engineDiverged)
        .build();
    this.modules = new ModuleStore(data.resolve("modules"), new BlockStore(data.resolve("blocks"),
        data.resolve("cache"), initial.limits().get(Limit.CACHE_MB) << 20));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
        .version(HttpClient.Version.HTTP_1_1).build();
    ContentFetcher content = new ContentFetcher(modules.blocks(), http);
    this.db = NodeDb.open(data.resolve("node.db"));
    this.scores = new Scores(new SqliteScoreStore(db));
    this.hosting = new Hosting(registry, sandbox,
        new ModuleFetcher(modules, content, () -> config().ipfsGateways()), this::moduleSources,
        u -> allows(u) || initial.peers().contains(u), scores::weight, initial.maxConcurrentCallsPerService());
    hosting.boundInputs(initial.limits().intValue(Limit.INPUT_FETCHES),
        Duration.ofMillis(initial.limits().get(Limit.INPUT_FETCH_MS)));
    String ociName = Hashes.sha256Hex(key.publicKey().bytes()).substring(0, 10);
    hosting.useOci(() -> Podman.find(initial.oci().runtime())
        .map(p -> new OciRuntime(p, ociName, initial.oci().unsafeImage())));
    this.self = new SelfRecord(key, registry, hosting, config::get);
    this.ledger = Ledger.open(db, key.publicKey(), registry::servers);
    this.probes = new DeliveryProbes(key.publicKey(), registry::servers, () -> config.get().rewards(),
        scores::blacklisted, Transport.http(http, 1 << 20), this::judgeProbed,
        new DeliveryProbes.Settings(initial.probeInterval(), Duration.ofSeconds(10)), Clock.systemUTC());
    this.reciprocity = new Reciprocity(key.publicKey(), registry::servers, registry::service, ledger,
        new PlannerHost(config::get, modules, hosting),
        new Reciprocity.Settings(initial.reciprocityGrace(), initial.reciprocityInterval()), Clock.systemUTC(),
        scores::blacklisted, probes);

    CallMemory callMemory = CallMemory.ofMegabytes(initial.limits().get(Limit.CALL_MEMORY_MB));
    hosting.loadStrangersWithin(callMemory);
    hosting.keepModulesWithin(initial.limits().get(Limit.MODULE_MEMORY_MB));
    this.crossCheck = crossCheck(new SandboxRunner(hosting, sandbox, callMemory), initial);
    Runner runner = probes.sampling(crossCheck == null ? new SandboxRunner(hosting, sandbox, callMemory)
        : crossCheck);
    probes.seedFrom(registry::service, runner);
    this.evidence = new EvidenceHandler(key, registry, runner, scores, activity, db,
        () -> self.forwardTargets(EVIDENCE_FANOUT),
        Transport.http(http, 1 << 20), a -> ledger.observed(a.server(), a.service(), a.signedFuel()),
        new EvidenceIntake(Guards.evidenceIntake(initial.limits())), Clock.systemUTC());
    evidence.forwardOn(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-evidence-forward-", 0)
        .factory()));
    evidence.start();
    NodeViews views = new NodeViews(key.publicKey(), self::url, config::get, registry, hosting, scores);
    NodeAdmin admin = new NodeAdmin(config, registry, reciprocity, self::publish, views::status);
    this.rpc = new NodeRpc(adminToken, initial.limits().intValue(Limit.MAX_BATCH));
    RegistryRpc registryRpc = new RegistryRpc(registry, scores::weight);
    rpc.method("tandem_status", p -> views.status())
        .method("tandem_records", registryRpc::records)
        .method(RegistryRpc.RECORD_INDEX, registryRpc::recordIndex)
        .method(RegistryRpc.GET_RECORDS, registryRpc::getRecords)
        .method(RegistryRpc.LOOKUP, registryRpc::lookup)
        .methodWithCaller("tandem_submitRecord", new RecordIntake(registryRpc, modules,
            initial.limits().get(Limit.RECORDS_PER_ADDRESS_PER_HOUR))::submit)
        .methodWithCaller("tandem_submitEvidence", evidence::submit)
        .method(EvidenceFeed.METHOD, new EvidenceFeed(new EvidenceTable(db))::handle)
        .method("tandem_scores", p -> views.scores())
        .method("tandem_reciprocity", reciprocity::reciprocity);
    admin.register(rpc);

    this.endpoint = initial.fault().around(new ServiceEndpoint(initial.fault().around(runner, key), key, metrics,
        activity, ledger::served, initial.limits().intValue(Limit.MAX_BATCH), Clock.systemUTC()));
    NodeLimits limits = initial.limits();
    TrustedProxies proxies = TrustedProxies.of(initial.trustedProxies());
    this.server = new HttpServer(initial.host(), initial.port(), limits, proxies);
    var dashboard = new DashboardData.Parts(key.publicKey(), self::url, VERSION, initial.fault(), registry, hosting,
        activity, scores, reciprocity);
    int port = server.start(new HttpApi(endpoint, rpc, modules, metrics::scrape, views::health, views::dashboard,
        new Recent(() -> DashboardData.bytes(dashboard), 1000), new NetworkView(() -> DashboardData.snapshot(dashboard),
        Transport.http(http, NetworkView.MAX_BYTES), this::allows)::bytes,
        HttpServer.limits(limits), server.threads(), proxies));
    self.listening(initial.url(port));

    // On a chain the chain itself spreads records; the embedded registry spreads them by gossip.
    this.gossip = registry instanceof SqliteRegistry ? Gossip.builder().registry(registry).peers(initial.peers())
        .self(self.url()).peerPolicy(self::allows).maxLearnedPeers(limits.intValue(Limit.MAX_LEARNED_PEERS))
        .learnedPeerQuota(new PeerHostQuota(limits.get(Limit.RECORDS_PER_ADDRESS_PER_HOUR), System::currentTimeMillis,
            CallerAddress::of))
        .interval(initial.gossipInterval()).maxBackoff(Duration.ofSeconds(30)).build() : null;
    this.evidenceSync = initial.evidenceSyncInterval().isZero() ? null : new EvidenceSync(evidence, db,
        () -> self.evidencePeers(EVIDENCE_SYNC_PEERS, scores::weight), http,
        EvidenceSync.Settings.every(initial.evidenceSyncInterval()));
    metrics();
    registry.onStored(r -> {
      if (r instanceof ServiceRecord || (r instanceof ServerRecord s && !s.key().equals(key.publicKey()))) {
        reciprocity.poke();
      }
      if (r instanceof ServiceRecord) {
        hosting.retry();
      }
    });
    hosting.onChange(self::publish);
    if (gossip != null) {
      gossip.start();
    } // before the first publish, so peers receive this node's record by push
    reciprocity.start();
    probes.start();
    if (evidenceSync != null) {
      evidenceSync.start();
    }
    hosting.want(reciprocity.withHeld(initial.offers())); // services held for peers come back after a restart
    self.publish(true); // a fresh record at every start: peers that do not know this node learn it by push
    if (initial.fault() != Fault.NONE) {
      LOG.warn("!!!!!!!! {}", initial.fault().banner());
      System.err.println("!!!!!!!! " + initial.fault().banner() + " !!!!!!!!");
    }
    LOG.info("node {} listening at {} (data {}; signing with {})", key.publicKey(), self.url(), data,
        Signing.implementation());
  }

  // Hosting is made before the node's own record, which lists the servers hosting fetches modules from.
  private java.util.List<URI> moduleSources() {
    return self.moduleSources();
  }

  private boolean allows(URI address) {
    return self.allows(address);
  }

  /** The gauges and counters of the registry, gossip and evidence sync. */
  private void metrics() {
    metrics.gauge("tandem_registry_services", "services in the registry", () -> registry.services().size());
    metrics.counter("tandem_calls_restarted_compiled", "calls stopped on the interpreter when the module's compiled "
        + "code became ready, and run again on it", sandbox::restartedCalls);
    metrics.counter("tandem_warm_up_divergences", "modules the engine answered differently from Chicory in samples "
        + "while warming up (an engine bug; their calls stay on Chicory)", sandbox::engineDivergences);
    metrics.gauge("tandem_registry_servers", "servers in the registry", () -> registry.servers().size());
    metrics.counter("tandem_gossip_rounds", "gossip rounds run",
        () -> gossip == null ? 0 : gossip.stats().rounds());
    metrics.gauge("tandem_evidence_held", "evidence items held in memory until they can be judged",
        evidence::held);
    metrics.counter("tandem_evidence_pulled", "evidence items pulled from peers",
        () -> evidenceSync == null ? 0 : evidenceSync.stats().pulled());
  }

  /** Starts a node; returns once it is listening. */
  public static Node start(NodeConfig config) throws Exception {
    config.save();
    return new Node(config);
  }

  public URI url() {
    return self.url();
  }

  public PublicKey publicKey() {
    return key.publicKey();
  }

  public Registry registry() {
    return registry;
  }

  public Hosting hosting() {
    return hosting;
  }

  /** The reciprocity planner: what this node owes and runs for others. */
  public Reciprocity reciprocity() {
    return reciprocity;
  }

  /** The delivery probes: which servers that offer what this node rewards really run it. */
  public DeliveryProbes probes() {
    return probes;
  }

  /** A probed server's wrong signed answer: judged (re-run here) and, when it convicts, forwarded as evidence. */
  private void judgeProbed(dev.tandem.core.wire.Evidence e) {
    com.fasterxml.jackson.databind.node.ObjectNode params = dev.tandem.core.json.Json.object();
    params.set("evidence", e.toJson());
    evidence.submit(params);
  }

  public NodeConfig config() {
    return config.get();
  }

  public Activity activity() {
    return activity;
  }

  /** The evidence intake: what was judged, what is held until it can be. */
  public EvidenceHandler evidence() {
    return evidence;
  }

  /** This node's scores of other servers (persisted in {@code node.db}). */
  public Scores scores() {
    return scores;
  }

  /** The task that pulls the convicting evidence this node missed, when it runs ({@code evidenceSyncInterval > 0}). */
  public Optional<EvidenceSync> evidenceSync() {
    return Optional.ofNullable(evidenceSync);
  }

  /** The {@code POST /services/{id}} handler, for in-process callers (simulation, fuzzing). */
  public ServiceCalls serviceEndpoint() {
    return endpoint;
  }

  /** The {@code POST /rpc} handler, for in-process callers. */
  public NodeRpc rpc() {
    return rpc;
  }

  /**
   * A module's two engines answered a sample differently while it warmed up (its calls stay on Chicory): a conflict on
   * the dashboard, under the service this node runs on that module.
   */
  void engineDiverged(EngineDivergence d) {
    activity.conflict(new Activity.Conflict(System.currentTimeMillis(), serviceOf(d.moduleCid()), d.requestHash(),
        java.util.List.of(key.publicKey().toString()), "engine divergence while warming up: " + d.description()));
  }

  /** The id of a service this node runs on the module {@code cid} (the CID itself when none is ready now). */
  private String serviceOf(String cid) {
    for (var e : hosting.states().entrySet()) {
      if (e.getValue() instanceof Hosting.State.Ready r && r.service().module() != null
          && r.service().module().cid().equals(cid)) {
        return e.getKey();
      }
    }
    return cid;
  }

  /**
   * The cross-check of answers on the other engine, wrapping the node's runner, with its metrics; null when the rate
   * is 0.
   */
  private CrossCheck crossCheck(SandboxRunner runner, NodeConfig c) {
    if (c.crossCheckRate() == 0) {
      return null;
    }
    String other = dev.tandem.sandbox.Engines.available().stream().filter(e -> !e.equals(c.engine())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("--cross-check-rate needs a second engine, and only "
            + c.engine() + " is here"));
    CrossCheck check = new CrossCheck(runner, c.engine(), other, new SecondEngine(hosting, other),
        c.crossCheckRate(), new java.util.SplittableRandom(), d -> activity.conflict(new Activity.Conflict(
            System.currentTimeMillis(), d.service(), d.requestHash(), java.util.List.of(key.publicKey().toString()),
            "engine divergence: " + d.describe())));
    metrics.counter("tandem_cross_checks", "answers run again on the other engine, deterministic on both",
        check::checked);
    metrics.counter("tandem_engine_divergences", "answers the other engine disagreed with (an engine bug)",
        check::diverged);
    metrics.counter("tandem_cross_checks_inconclusive", "samples the other engine timed out or failed on",
        check::inconclusive);
    metrics.counter("tandem_cross_checks_dropped", "samples dropped while the checking worker was busy",
        check::dropped);
    LOG.info("cross-checking {} of answers on {}", c.crossCheckRate(), other);
    return check;
  }

  /** Stops accepting calls, lets running calls finish (up to 5 s), then closes everything. */
  @Override
  public void close() {
    server.close();
    if (gossip != null) {
      gossip.close();
    }
    probes.close();
    reciprocity.close();
    if (evidenceSync != null) {
      evidenceSync.close(); // before the handler, the sandbox and node.db it uses
    }
    evidence.close();
    if (crossCheck != null) {
      crossCheck.close();
    }
    hosting.close();
    sandbox.close();
    scores.close();
    ledger.close(); // its last counts, before the database it writes them to
    db.close();
    registry.close();
    LOG.info("node {} stopped", key.publicKey());
  }
}
