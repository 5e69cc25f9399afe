package dev.tandem.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.fault.Fault;
import dev.tandem.node.hosting.Runner;
import dev.tandem.node.hosting.SandboxRunner;
import dev.tandem.core.rpc.Transport;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.reciprocity.Ledger;
import dev.tandem.node.reciprocity.Reciprocity;
import java.time.Clock;
import dev.tandem.node.http.HttpApi;
import dev.tandem.node.api.NodeRpc;
import dev.tandem.node.api.ServiceCalls;
import dev.tandem.node.api.ServiceEndpoint;
import dev.tandem.node.modules.ModuleFetcher;
import dev.tandem.node.modules.ModuleStore;
import dev.tandem.node.modules.RecordIntake;
import dev.tandem.node.ipfs.BlockStore;
import dev.tandem.node.ipfs.ContentFetcher;
import dev.tandem.node.evidence.EvidenceFeed;
import dev.tandem.node.evidence.EvidenceHandler;
import dev.tandem.node.evidence.EvidenceSync;
import dev.tandem.node.store.NodeDb;
import dev.tandem.node.store.SqliteScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.registry.Registry;
import dev.tandem.registry.gossip.Gossip;
import dev.tandem.registry.gossip.RegistryRpc;
import dev.tandem.registry.evm.EvmRegistry;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.node.guard.Guards;
import dev.tandem.node.guard.Limit;
import dev.tandem.node.guard.NodeLimits;
import dev.tandem.node.http.HttpLimits;
import dev.tandem.node.http.PerAddressLimit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import dev.tandem.registry.store.SqliteRegistry;
import dev.tandem.sandbox.Sandbox;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Tandem node: serves the services it offers over JSON-RPC with signed attestations, keeps the signed registry in
 * sync with its peers, and fetches modules by CID. Start with {@link #start(NodeConfig)}; {@link #close()} stops it
 * gracefully.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  public static final String VERSION = "0.1.0";

  private final long startedAt = System.currentTimeMillis();
  private volatile NodeConfig config;
  private final KeyPair key;
  private final Registry registry;
  private final Sandbox sandbox;
  private final ModuleStore modules;
  /** Fetches files by CID (modules and data inputs) from peers and IPFS gateways, every block checked. */
  private final ContentFetcher content;
  private final Hosting hosting;
  private final Ledger ledger;
  private final Reciprocity reciprocity;
  private final NodeMetrics metrics = new NodeMetrics();
  private final Activity activity = new Activity();
  private final Server server;
  private final Gossip gossip;
  private final URI url;
  /** Which addresses learned from records this node contacts. */
  private volatile PeerPolicy peerPolicy = PeerPolicy.ANY;
  private final Object publishLock = new Object();
  private final RegistryRpc registryRpc;
  private final NodeRpc rpc;
  private final NodeDb db;
  private final Scores scores;
  private final EvidenceHandler evidence;
  /** Pulls the convicting evidence this node missed; null when turned off. */
  private final EvidenceSync evidenceSync;
  private final ServiceCalls endpoint;

  private Node(NodeConfig config) throws Exception {
    this.config = config;
    Path data = config.dataDir();
    Files.createDirectories(data);
    this.key = KeyPair.loadOrCreate(data.resolve("node.key"));
    String adminToken = AdminToken.loadOrCreate(config.dataDir(), config.adminTokenFile());
    this.registry = config.registrySpec().isPresent()
        ? EvmRegistry.connect(config.registrySpec().get(), config.ethKeyFile().orElse(null))
        : SqliteRegistry.open(data.resolve("registry.db")).quotas(Guards.registryQuotas(config.limits()));
    this.sandbox = Sandbox.builder().engine(config.engine()).build();
    this.modules = new ModuleStore(data.resolve("modules"), new BlockStore(data.resolve("blocks")));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
        .version(HttpClient.Version.HTTP_1_1).build();
    this.content = new ContentFetcher(modules.blocks(), http);
    this.hosting = new Hosting(registry, sandbox, new ModuleFetcher(modules, content, () -> this.config.ipfsGateways()),
        this::moduleSources, u -> peerPolicy.allows(u) || config.peers().contains(u),
        config.maxConcurrentCallsPerService());
    String ociName = dev.tandem.core.crypto.Hashes.sha256Hex(key.publicKey().bytes()).substring(0, 10);
    hosting.useOci(() -> dev.tandem.sandbox.oci.Podman.find(config.oci().runtime())
        .map(p -> new dev.tandem.sandbox.oci.OciRuntime(p, ociName, config.oci().unsafeImage())));
    this.db = NodeDb.open(data.resolve("node.db"));
    this.scores = new Scores(new SqliteScoreStore(db));
    this.ledger = Ledger.open(db, key.publicKey(), registry::servers);
    this.reciprocity = new Reciprocity(key.publicKey(), registry::servers, registry::service, ledger,
        new ReciprocityHost(), new Reciprocity.Settings(config.reciprocityGrace(), config.reciprocityInterval()),
        Clock.systemUTC(), scores::blacklisted);

    Runner runner = new SandboxRunner(hosting, sandbox);
    this.evidence = new EvidenceHandler(key, registry, runner, scores, activity, db, this::moduleSources,
        Transport.http(http, 1 << 20), a -> ledger.observed(a.server(), a.service(), a.signedFuel()),
        new dev.tandem.node.evidence.EvidenceIntake(Guards.evidenceIntake(config.limits())), Clock.systemUTC());
    evidence.start();
    this.rpc = new NodeRpc(adminToken, config.limits().intValue(Limit.MAX_BATCH));
    this.registryRpc = new RegistryRpc(registry);
    rpc.method("tandem_status", p -> status())
        .method("tandem_records", registryRpc::records)
        .method("tandem_submitRecord", new RecordIntake(registryRpc, modules)::submit)
        .methodWithCaller("tandem_submitEvidence", evidence::submit)
        .method(EvidenceFeed.METHOD, new EvidenceFeed(new dev.tandem.node.store.EvidenceTable(db))::handle)
        .method("tandem_scores", p -> scoresJson())
        .admin("tandem_offer", p -> changeOffers(p, true))
        .admin("tandem_withdraw", p -> changeOffers(p, false))
        .admin("tandem_reward", this::changeRewards)
        .method("tandem_reciprocity", reciprocity::reciprocity);

    this.endpoint = config.fault().around(new ServiceEndpoint(config.fault().around(runner, key), key, metrics,
        activity, ledger::served, config.limits().intValue(Limit.MAX_BATCH), Clock.systemUTC()));
    // Platform threads, not virtual ones: measured faster here for short CPU-bound calls (docs/BENCHMARKS.md).
    // The job queue is bounded: under overload, work is refused early instead of piling up.
    QueuedThreadPool threads = new QueuedThreadPool(256, 8, 60_000,
        new org.eclipse.jetty.util.BlockingArrayQueue<>(1024, 256, 4096));
    threads.setName("tandem-http");
    this.server = new Server(threads);
    NodeLimits limits = config.limits();
    HttpConfiguration httpConfig = new HttpConfiguration();
    httpConfig.setRequestHeaderSize(limits.intValue(Limit.MAX_HEADER_BYTES));
    httpConfig.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(30_000);
    connector.setAcceptQueueSize(1024); // the JDK's default backlog of 50 overflows under bursts: SYNs get dropped
    // One address cannot take every connection; past the total, accepting pauses instead of failing.
    connector.addBean(new PerAddressLimit(limits.intValue(Limit.MAX_CONNECTIONS_PER_ADDRESS)));
    server.addBean(new NetworkConnectionLimit(limits.intValue(Limit.MAX_CONNECTIONS), connector));
    server.addConnector(connector);
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    server.setErrorHandler(errors);
    server.setHandler(new HttpApi(endpoint, rpc, modules, metrics::scrape, this::health, this::dashboard,
        () -> dev.tandem.node.dashboard.DashboardData.bytes(this),
        new HttpLimits(limits.get(Limit.BODY_TIMEOUT_MS), limits.get(Limit.MIN_BODY_RATE),
            limits.intValue(Limit.MAX_QUEUED_REQUESTS), limits.intValue(Limit.MAX_BODY_BYTES),
            (int) Math.min(Integer.MAX_VALUE - 1, limits.get(Limit.MAX_UPLOAD_MB) << 20)), threads));
    server.setStopTimeout(5_000);
    server.start();
    this.url = config.url(connector.getLocalPort());
    this.peerPolicy = PeerPolicy.of(config.peerPolicy(), url);

    // On a chain the chain itself spreads records; the embedded registry spreads them by gossip.
    this.gossip = registry instanceof SqliteRegistry ? Gossip.builder().registry(registry).peers(config.peers())
        .self(url).peerPolicy(peerPolicy::allows).maxLearnedPeers(config.limits().intValue(Limit.MAX_LEARNED_PEERS)).interval(config.gossipInterval()).maxBackoff(Duration.ofSeconds(30)).build() : null;
    metrics.gauge("tandem_registry_services", "services in the registry", () -> registry.services().size());
    metrics.gauge("tandem_registry_servers", "servers in the registry", () -> registry.servers().size());
    metrics.counter("tandem_gossip_rounds", "gossip rounds run",
        () -> gossip == null ? 0 : gossip.stats().rounds());
    this.evidenceSync = config.evidenceSyncInterval().isZero() ? null : new EvidenceSync(evidence, db,
        this::evidencePeers, http, EvidenceSync.Settings.every(config.evidenceSyncInterval()));
    metrics.gauge("tandem_evidence_held", "evidence items held in memory until they can be judged",
        evidence::held);
    metrics.counter("tandem_evidence_pulled", "evidence items pulled from peers",
        () -> evidenceSync == null ? 0 : evidenceSync.stats().pulled());
    registry.onStored(r -> {
      if (r instanceof dev.tandem.core.record.ServiceRecord
          || (r instanceof ServerRecord s && !s.key().equals(key.publicKey()))) {
        reciprocity.poke();
      }
      if (r instanceof dev.tandem.core.record.ServiceRecord) {
        hosting.retry();
      }
    });
    hosting.onChange(this::publish);
    if (gossip != null) {
      gossip.start();
    } // before the first publish, so peers receive this node's record by push
    reciprocity.start();
    if (evidenceSync != null) {
      evidenceSync.start();
    }
    hosting.want(reciprocity.withHeld(config.offers())); // services held for peers come back after a restart
    publish(true); // a fresh record at every start: peers that do not know this node learn it by push
    if (config.fault() != Fault.NONE) {
      LOG.warn("!!!!!!!! {}", config.fault().banner());
      System.err.println("!!!!!!!! " + config.fault().banner() + " !!!!!!!!");
    }
    LOG.info("node {} listening at {} (data {})", key.publicKey(), url, data);
  }

  /** Starts a node; returns once it is listening. */
  public static Node start(NodeConfig config) throws Exception {
    config.save();
    return new Node(config);
  }

  public URI url() {
    return url;
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

  /** What the planner needs from the node. */
  private final class ReciprocityHost implements Reciprocity.Host {
    @Override
    public Set<String> operatorOffers() {
      return config.offers();
    }

    @Override
    public Set<String> rewards() {
      return config.rewards();
    }

    @Override
    public ServerRecord.Capacity capacity() {
      return new ServerRecord.Capacity(config.maxServices(), config.maxMemoryMb());
    }

    @Override
    public java.util.OptionalLong moduleSize(dev.tandem.core.cid.Cid module) {
      return modules.size(module);
    }

    @Override
    public java.util.Map<String, String> unrunnable() {
      java.util.Map<String, String> out = new java.util.HashMap<>();
      hosting.states().forEach((id, st) -> {
        if (st instanceof Hosting.State.Failed f) {
          out.put(id, f.why());
        }
      });
      return out;
    }

    @Override
    public void offer(Set<String> serviceIds) {
      hosting.want(serviceIds);
    }
  }

  public NodeConfig config() {
    return config;
  }

  public Activity activity() {
    return activity;
  }

  /** This node's scores of other servers (persisted in {@code node.db}). */
  /** The evidence intake: what was judged, what is held until it can be. */
  public EvidenceHandler evidence() {
    return evidence;
  }

  public Scores scores() {
    return scores;
  }

  /** The task that pulls the convicting evidence this node missed, when it runs ({@code evidenceSyncInterval > 0}). */
  public java.util.Optional<EvidenceSync> evidenceSync() {
    return java.util.Optional.ofNullable(evidenceSync);
  }

  /** The {@code POST /services/{id}} handler, for in-process callers (simulation, fuzzing). */
  public ServiceCalls serviceEndpoint() {
    return endpoint;
  }

  /** The {@code POST /rpc} handler, for in-process callers. */
  public NodeRpc rpc() {
    return rpc;
  }

  /** Peers and every known server the peer policy allows: where a module might be fetched from. */
  private List<URI> moduleSources() {
    Set<URI> out = new LinkedHashSet<>(config.peers());
    registry.servers().forEach(s -> {
      if (!s.url().equals(url) && peerPolicy.allows(s.url())) {
        out.add(s.url());
      }
    });
    out.remove(url);
    return new ArrayList<>(out);
  }

  /** Where missed evidence is pulled from: the configured peers and every server that has not retired. */
  private List<URI> evidencePeers() {
    Set<URI> out = new LinkedHashSet<>(config.peers());
    registry.servers().forEach(s -> {
      if (!s.retired() && peerPolicy.allows(s.url())) {
        out.add(s.url());
      }
    });
    out.remove(url);
    return new ArrayList<>(out);
  }

  /** Publishes this node's ServerRecord when what it offers or rewards changed. */
  private void publish() {
    publish(false);
  }

  private void publish(boolean always) {
    synchronized (publishLock) {
      List<String> offers = hosting.readyIds();
      List<String> rewards = new ArrayList<>(new TreeSet<>(config.rewards()));
      var current = registry.server(key.publicKey());
      if (!always && current.isPresent() && current.get().offers().equals(offers) && current.get().rewards().equals(rewards)
          && current.get().url().equals(url) && !current.get().retired()) {
        return;
      }
      long seq = Math.max(current.map(ServerRecord::seq).orElse(0L) + 1, System.currentTimeMillis());
      ServerRecord record = new ServerRecord(key.publicKey(), url, offers, rewards,
          new ServerRecord.Capacity(config.maxServices(), config.maxMemoryMb()), seq, false, null).signedBy(key);
      registry.submit(record);
      LOG.info("published server record seq={} offers={} rewards={}", seq, offers.size(), rewards.size());
    }
  }

  private JsonNode changeOffers(JsonNode params, boolean add) throws IOException {
    String id = serviceParam(params);
    Set<String> offers = new LinkedHashSet<>(config.offers());
    if (add) {
      if (!offers.contains(id) && offers.size() >= config.maxServices()) {
        throw new IllegalArgumentException("capacity: this node already offers " + offers.size()
            + " services (--max-services " + config.maxServices() + ")");
      }
      offers.add(id);
    } else {
      offers.remove(id);
    }
    config = config.withOffers(offers);
    config.save();
    reciprocity.round(); // the operator's offers plus what the planner holds for peers
    return status();
  }

  private JsonNode changeRewards(JsonNode params) throws IOException {
    String id = serviceParam(params);
    boolean remove = params.path("remove").asBoolean(false);
    Set<String> rewards = new LinkedHashSet<>(config.rewards());
    if (remove) {
      rewards.remove(id);
    } else {
      rewards.add(id);
    }
    config = config.withRewards(rewards);
    config.save();
    publish();
    reciprocity.poke();
    return status();
  }

  /** The {@code service} param: an id, a NAME one owner uses, or OWNER/NAME ({@link ServiceNames}). */
  private String serviceParam(JsonNode params) {
    String ref = params.path("service").asText("");
    if (ref.isEmpty()) {
      throw new IllegalArgumentException("service: a service id or name is required");
    }
    try {
      return dev.tandem.core.cid.Cid.parse(ref).toString();
    } catch (IllegalArgumentException notAnId) {
      return ServiceNames.resolve(ref, registry.services()).map(ServiceRecord::serviceId)
          .orElseThrow(() -> new IllegalArgumentException("service: no service with id or name '" + ref
              + "' is known here"));
    }
  }


  private ObjectNode status() {
    ObjectNode s = Json.object();
    s.put("key", key.publicKey().toString());
    s.put("url", url.toString());
    s.put("version", VERSION);
    s.put("uptimeMs", System.currentTimeMillis() - startedAt);
    if (config.fault() != Fault.NONE) {
      s.put("fault", config.fault().name().toLowerCase());
    }
    ArrayNode offers = s.putArray("offers");
    hosting.readyIds().forEach(offers::add);
    ObjectNode pending = s.putObject("pending");
    hosting.states().forEach((id, st) -> {
      switch (st) {
        case Hosting.State.Waiting w -> pending.put(id, "waiting: " + w.why());
        case Hosting.State.Failed f -> pending.put(id, "failed: " + f.why());
        case Hosting.State.Ready r -> { }
      }
    });
    ArrayNode rewards = s.putArray("rewards");
    new TreeSet<>(config.rewards()).forEach(rewards::add);
    ObjectNode reg = s.putObject("registry");
    reg.put("services", registry.services().size());
    reg.put("servers", registry.servers().size());
    ArrayNode peers = s.putArray("peers");
    config.peers().forEach(p -> peers.add(p.toString()));
    return s;
  }

  private ObjectNode scoresJson() {
    ObjectNode out = Json.object();
    ArrayNode list = out.putArray("scores");
    var urls = new java.util.HashMap<PublicKey, URI>();
    registry.servers().forEach(s -> urls.put(s.key(), s.url()));
    scores.snapshot().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> {
      var v = e.getValue();
      ObjectNode row = list.addObject();
      row.put("server", e.getKey().toString());
      if (urls.containsKey(e.getKey())) {
        row.put("url", urls.get(e.getKey()).toString());
      }
      row.put("score", v.score());
      row.put("blacklisted", scores.blacklisted(e.getKey()));
      row.put("convictedAt", v.convictedAt());
      row.put("latencyMs", Math.round(v.latencyMs() * 100) / 100.0);
      row.put("successes", v.successes());
      row.put("failures", v.failures());
      row.put("weight", Math.round(scores.weight(e.getKey()) * 10_000) / 10_000.0);
    });
    return out;
  }

  private byte[] health() {
    return ("{\"status\":\"ok\",\"key\":\"" + key.publicKey() + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  /** The dashboard's page; its script polls {@code /dashboard.json}. */
  private byte[] dashboard() {
    try (var in = Node.class.getResourceAsStream("/dashboard/index.html")) {
      if (in != null) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      LOG.warn("cannot read the dashboard page", e);
    }
    return ("<!doctype html><title>Tandem node</title><h1>Tandem node " + key.publicKey() + "</h1>")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Stops accepting calls, lets running calls finish (up to 5 s), then closes everything. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("HTTP server did not stop cleanly", e);
    }
    if (gossip != null) {
      gossip.close();
    }
    reciprocity.close();
    if (evidenceSync != null) {
      evidenceSync.close(); // before the handler, the sandbox and node.db it uses
    }
    evidence.close();
    hosting.close();
    sandbox.close();
    scores.close();
    ledger.close(); // its last counts, before the database it writes them to
    db.close();
    registry.close();
    LOG.info("node {} stopped", key.publicKey());
  }
}
