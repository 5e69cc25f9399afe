package dev.tandem.client;

import dev.tandem.client.referee.ModuleCache;
import dev.tandem.client.referee.Referee;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.registry.Registry;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.oci.OciRuntime;
import dev.tandem.sandbox.oci.Podman;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The Tandem SDK: calls services on the network and returns only verified answers.
 *
 * <pre>{@code
 * try (TandemClient client = TandemClient.builder().bootstrap(List.of(URI.create("http://127.0.0.1:7400")))
 *     .build()) {
 *   JsonNode hits = client.service("search").call("query", params);
 * }
 * }</pre>
 *
 * <p>For each call (DESIGN §8) it asks the verifier's {@code minRequests()} servers in parallel, chosen at random by
 * score and latency among those whose signed ServerRecord offers the service; checks every answer's attestation
 * itself; replaces servers that fail; lets the verifier judge, counting agreement only from distinct operators and
 * requiring an established (off-probation) server or its own re-run; on a conflict re-runs the request itself (its
 * {@linkplain RefereeMode referee}; then the home server, then more servers), convicts the servers that signed a
 * wrong answer and sends the evidence to the nodes it knows; audits a fraction of accepted answers. When it cannot
 * be sure, it throws {@link UnverifiableException}: it never returns an unverified answer.
 *
 * <p>Thread-safe; one client serves many concurrent calls. Close it to persist scores and stop its threads.
 */
public final class TandemClient implements AutoCloseable {
  /**
   * The default audit rate: one accepted answer in fifty is re-run here. With probation and the referee, a liar
   * that built a reputation first is caught after about fifty of its accepted lies at most, for 2% more CPU per call
   * than the servers' own work (docs/RELIABILITY.md measures it).
   */
  public static final double DEFAULT_AUDIT = 0.02;
  private final Context ctx;
  private final Verifiers verifiers;
  private final ExecutorService executor;
  private final Object sandboxLock = new Object();
  private final Sandbox givenSandbox;
  private Sandbox ownSandbox;
  private final boolean ownScores;
  private final HttpClient http;
  private final boolean ownHttp;
  private final Duration closeTimeout;
  private final String containerRuntime;
  private Optional<OciRuntime> containers;
  private final ConvictionFeed feed;

  /** Everything a {@link CallRun} needs from the client. */
  record Context(Directory directory, Scores scores, Exchange exchange, Selector selector, EvidenceSender evidence,
      Settings settings, AtomicLong ids, CallClock time, Referee referee, Executor auditExecutor,
      BiConsumer<CallReport, CallReport.Audit> auditListener) {
    long nextId() {
      return ids.incrementAndGet();
    }
  }

  /**
   * Call settings. A null {@code requestTimeout} means the service's own timeout plus 2 s; a null
   * {@code hedgeAfter} turns hedging off.
   */
  record Settings(int minRequests, int maxRequests, Duration callTimeout, Duration requestTimeout,
      Duration slowThreshold, Duration hedgeAfter, int extraRequests, Predicate<ServerRecord> serverFilter,
      double spotCheck, RefereeMode referee, double audit) {}

  private TandemClient(Builder b) {
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.ownHttp = b.http == null;
    this.http = b.http != null ? b.http : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(b.connectTimeout).build();
    Transport transport = b.transport != null ? b.transport : Transport.http(http);
    Directory directory = new Directory(b.bootstrap, b.registry, transport, b.bootstrapTimeout, b.refreshInterval,
        executor, b.clock, b.policy());
    this.ownScores = b.scores == null;
    Scores scores = b.scores != null ? b.scores : new Scores(b.scoreStore, b.clock);
    this.givenSandbox = b.sandbox;
    this.closeTimeout = b.bootstrapTimeout;
    this.containerRuntime = b.containers;
    ModuleCache modules = new ModuleCache(b.moduleDir, b.moduleSource != null ? b.moduleSource
        : ModuleCache.over(transport, b.bootstrapTimeout));
    this.verifiers = new Verifiers(this::sandbox, modules);
    this.ctx = new Context(directory, scores, new Exchange(transport, b.callClock), new Selector(b.random),
        new EvidenceSender(transport, b.bootstrapTimeout, b.evidenceFanout),
        new Settings(b.minRequests, b.maxRequests, b.callTimeout, b.requestTimeout, b.slowThreshold, b.hedgeAfter,
            b.extraRequests, b.serverFilter, b.spotCheck, b.referee, b.audit),
        new AtomicLong(), b.callClock, new Referee(this::sandbox, modules, this::containers),
        b.auditExecutor != null ? b.auditExecutor : executor, b.auditListener);
    this.feed = new ConvictionFeed(b.bootstrap, transport, b.bootstrapTimeout, b.refreshInterval, b.clock,
        directory, scores, ctx.referee(), b.evidenceFeed && b.registry == null && b.referee.runsLocally());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A handle on the service with this id, or the newest service with this {@code NAME} (when one owner uses it) or
   * owner-qualified {@code OWNER/NAME} (see {@link ServiceNames}).
   *
   * @throws ServiceNotFoundException when no valid record has this id or name, or services of different owners share
   *     the name (call by OWNER/NAME or id then)
   * @throws NoServersException when no bootstrap node can be reached
   */
  public ServiceHandle service(String nameOrId) {
    Objects.requireNonNull(nameOrId, "nameOrId");
    freshen();
    ServiceRecord record = resolve(nameOrId);
    if (record == null) {
      ctx.directory().refreshSoon();
      record = resolve(nameOrId);
    }
    if (record == null) {
      throw new ServiceNotFoundException(nameOrId, "no service with id or name '" + nameOrId + "' is known to the "
          + "bootstrap nodes");
    }
    // Found by id, the id is the one asked for; else it is hashed from the record, once per handle.
    return new ServiceHandle(this, record, ctx.directory().service(nameOrId).isPresent() ? nameOrId
        : record.serviceId());
  }

  private ServiceRecord resolve(String nameOrId) {
    var byId = ctx.directory().service(nameOrId);
    if (byId.isPresent()) {
      return byId.get();
    }
    try {
      // Anyone can register a service under any name: never pick one owner's service over another's silently.
      // Not an id the directory holds: a name (resolve would hash every record for its id first).
      return ServiceNames.resolveName(nameOrId, ctx.directory().allServices()).orElse(null);
    } catch (IllegalArgumentException e) {
      throw new ServiceNotFoundException(nameOrId, e.getMessage());
    }
  }

  /** Pulls new records, and the convictions in the bootstrap nodes' evidence feeds, from the bootstrap nodes now. */
  public void refresh() {
    ctx.directory().refresh();
    feed.pull();
  }

  /** Pulls records and the evidence feeds when the last pull is older than the refresh interval (or never was). */
  void freshen() {
    ctx.directory().refreshIfStale();
    feed.pullIfStale();
  }

  /** This client's scores of servers (shared with whoever supplied them to the builder). */
  public Scores scores() {
    return ctx.scores();
  }

  /** The current, non-retired servers offering {@code serviceId}, as this client knows them (filter applied). */
  public List<ServerRecord> serversOffering(String serviceId) {
    return ctx.directory().offering(serviceId).stream().filter(ctx.settings().serverFilter()).toList();
  }

  Context context() {
    return ctx;
  }

  ExecutorService executor() {
    return executor;
  }

  dev.tandem.client.verify.Verifier verifierFor(ServiceRecord service, String serviceId) {
    return verifiers.forService(service, () -> ctx.directory().moduleSources(service, serviceId));
  }

  /**
   * Whether this client's referee can re-run OCI services: a podman binary is found (and not turned off). Whether it
   * can run containers here is learnt on the first dispute; where it cannot, the referee declines and the home
   * server and more servers settle the conflict.
   */
  public boolean runsContainers() {
    return Podman.find(containerRuntime).isPresent();
  }

  /** The referee's container runtime, made on the first OCI dispute. */
  private Optional<OciRuntime> containers() {
    synchronized (sandboxLock) {
      if (containers == null) {
        // Names unique to this client, so clients and nodes on one host never touch each other's containers.
        String name = "client-" + Long.toHexString(new java.security.SecureRandom().nextLong() >>> 24);
        containers = Podman.find(containerRuntime).map(p -> new OciRuntime(p, name, Optional.empty()));
      }
      return containers;
    }
  }

  private Sandbox sandbox() {
    if (givenSandbox != null) {
      return givenSandbox;
    }
    synchronized (sandboxLock) {
      if (ownSandbox == null) {
        // Only verifiers and the referee's re-runs (conflicts, audits) run here: one at a time is plenty.
        ownSandbox = Sandbox.builder().threads(1).build();
      }
      return ownSandbox;
    }
  }

  /**
   * Waits (up to the bootstrap timeout) for evidence still being sent, persists scores (closing a store the client
   * made), and stops the sandbox, HTTP client and threads the client made.
   */
  @Override
  public void close() {
    ctx.evidence().awaitPending(closeTimeout);
    if (ownScores) {
      ctx.scores().close();
    } else {
      ctx.scores().flush();
    }
    synchronized (sandboxLock) {
      if (ownSandbox != null) {
        ownSandbox.close();
      }
      if (containers != null) {
        containers.ifPresent(OciRuntime::close); // the referee's containers stop with the client
      }
    }
    executor.shutdown();
    if (ownHttp) {
      http.shutdownNow(); // requests still running (to a stalled server) are abandoned: their calls are over
    }
  }

  /** Settings of a {@link TandemClient}. Only the bootstrap nodes (or a registry) are required. */
  public static final class Builder {
    private List<URI> bootstrap = List.of();
    private Registry registry;
    private ScoreStore scoreStore = new MemoryScoreStore();
    private Scores scores;
    private int minRequests = 0;
    private int maxRequests = 8;
    private Duration callTimeout = Duration.ofSeconds(15);
    private Duration requestTimeout;
    private Duration slowThreshold = Duration.ofSeconds(2);
    private Duration hedgeAfter = Duration.ofSeconds(1);
    private int extraRequests;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration bootstrapTimeout = Duration.ofSeconds(5);
    private Duration refreshInterval = Duration.ofSeconds(30);
    private RandomGenerator random;
    private Predicate<ServerRecord> serverFilter = s -> true;
    private Sandbox sandbox;
    private HttpClient http;
    private int evidenceFanout = 16;
    private Clock clock = Clock.systemUTC();
    private Transport transport;
    private String peerPolicy = "auto";
    private CallClock callClock = CallClock.SYSTEM;
    private double spotCheck = 1.0;
    private RefereeMode referee = RefereeMode.LOCAL;
    private double audit = DEFAULT_AUDIT;
    private Executor auditExecutor;
    private BiConsumer<CallReport, CallReport.Audit> auditListener = (report, audit) -> { };
    private Path moduleDir;
    private ModuleCache.Source moduleSource;
    private String containers = "podman";
    private boolean evidenceFeed = true;

    private Builder() {}

    /**
     * How the referee re-runs OCI services: {@code podman} (the default: the podman on the PATH, if any), the path
     * of a podman binary, or {@code off}. The image is pulled by digest and run with the isolation and limits nodes
     * use; without podman, an OCI conflict is settled by the home server and more servers.
     */
    public Builder containers(String runtime) {
      if (runtime == null || runtime.isBlank()) {
        throw new IllegalArgumentException("the container runtime must be podman, off or the path of a podman binary");
      }
      this.containers = runtime;
      return this;
    }

    /**
     * Whether the client reads the bootstrap nodes' evidence feeds ({@code tandem_evidence}) when it starts and at
     * each refresh, re-running each piece of evidence with its referee and convicting, in its own scores, every
     * signer of a wrong answer (default true; never with {@link RefereeMode#NONE}, which runs nothing here).
     */
    public Builder evidenceFeed(boolean read) {
      this.evidenceFeed = read;
      return this;
    }

    /**
     * Who settles a conflict (default {@link RefereeMode#LOCAL}: the client fetches the service's module by CID,
     * hash-checked, and re-runs the disputed request in its own sandbox with the record's limits; every signer of
     * another answer is convicted). The same re-run stands in for missing confirmations when fewer than
     * {@code minRequests} trustworthy servers answer.
     */
    public Builder referee(RefereeMode mode) {
      this.referee = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Audits a random fraction {@code rate} of accepted answers (unchecked ones of adaptive mode included): the
     * request is re-run here, off the caller's path, and a wrong accepted answer convicts all its signers and is
     * reported through {@link CallReport#audit()} and {@link #onWrongAnswer}. Default {@value #DEFAULT_AUDIT}
     * (see docs/RELIABILITY.md); 0 turns audits off, 1 re-runs every answer ("trust nobody").
     */
    public Builder audit(double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("audit rate must be in [0, 1], got " + rate);
      }
      this.audit = rate;
      return this;
    }

    /** Runs audits on this executor (default: a virtual thread each; a simulation runs them inline). */
    public Builder auditExecutor(Executor executor) {
      this.auditExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Told of every accepted answer that an audit found wrong, with the audit (on the audit's thread). */
    public Builder onWrongAnswer(BiConsumer<CallReport, CallReport.Audit> listener) {
      this.auditListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Keeps the modules the referee and Wasm verifiers fetch in this directory across runs (hash-checked when read;
     * default: memory only; the CLI uses {@code ~/.tandem/modules}).
     */
    public Builder moduleDir(Path dir) {
      this.moduleDir = dir;
      return this;
    }

    /** Fetches modules through {@code source} instead of HTTP from the known nodes (simulations). */
    public Builder moduleSource(ModuleCache.Source source) {
      this.moduleSource = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Nodes to read the registry from ({@code tandem_records}); every record is verified locally. */
    public Builder bootstrap(List<URI> nodes) {
      this.bootstrap = List.copyOf(nodes);
      return this;
    }

    public Builder bootstrap(URI... nodes) {
      return bootstrap(List.of(nodes));
    }

    /**
     * Which addresses learned from records the client contacts, as a node's {@code --peer-policy}; {@code auto} (the
     * default) is {@link PeerPolicy#nearest} of the bootstrap nodes, or {@code any} with its own {@link #transport}
     * (where URLs need not be network addresses). Bootstrap nodes are always contacted.
     */
    public Builder peerPolicy(String policy) {
      this.peerPolicy = PeerPolicy.parse(policy);
      return this;
    }

    PeerPolicy policy() {
      return transport != null && peerPolicy.equals("auto") ? PeerPolicy.ANY
          : PeerPolicy.nearest(peerPolicy, bootstrap);
    }

    /** Reads records from a local registry instead of bootstrap nodes (a node calling services itself). */
    public Builder registry(Registry registry) {
      this.registry = registry;
      return this;
    }

    /** Where scores persist (default: in memory only). Closed with the client. */
    public Builder scoreStore(ScoreStore store) {
      this.scoreStore = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Shares a {@link Scores} owned by someone else (a node); the client flushes it but does not close it. */
    public Builder scores(Scores scores) {
      this.scores = scores;
      return this;
    }

    /** Ask at least this many servers per call, even if the verifier needs fewer (default: the verifier's). */
    public Builder minRequests(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("minRequests must be >= 0, got " + n);
      }
      this.minRequests = n;
      return this;
    }

    /**
     * Most servers asked in one call, replacements and escalation included, the home server not counted (default 8;
     * never fewer than the verifier's minRequests).
     */
    public Builder maxRequests(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxRequests must be >= 1, got " + n);
      }
      this.maxRequests = n;
      return this;
    }

    /** Deadline of one whole call (default 15 s). */
    public Builder callTimeout(Duration d) {
      this.callTimeout = positive("callTimeout", d);
      return this;
    }

    /** Deadline of one request to one server (default: the service's timeout + 2 s, within the call's deadline). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive("requestTimeout", d);
      return this;
    }

    /**
     * Adaptive mode (docs/protocol.md, "A verified call", step 5): verify only a random fraction {@code rate} of
     * calls in full, and send every other call to one <em>proven</em> server alone (one whose score at this client is
     * at least {@value CallRun#PROVEN_SCORE}, i.e. about ten more good answers than bad ones), taking its signed answer
     * unverified ({@link CallReport.Decision#UNCHECKED}). When no proven server offers the service, or the one asked
     * fails or is slow, the call is verified in full.
     *
     * <p>The trade: latency and work close to a direct call, against wrong answers from a proven server that turns
     * liar until a verified call catches it (about {@code (1 - rate) / rate} of its calls on average; it is then
     * convicted and never asked again). Default 1.0: every call is verified.
     *
     * @param rate the fraction of calls verified in full, in (0, 1]
     */
    public Builder spotCheck(double rate) {
      if (!(rate > 0 && rate <= 1)) {
        throw new IllegalArgumentException("spotCheck rate must be in (0, 1], got " + rate);
      }
      this.spotCheck = rate;
      return this;
    }

    /** Valid answers slower than this cost a point instead of earning one (default 2 s). */
    public Builder slowThreshold(Duration d) {
      this.slowThreshold = positive("slowThreshold", d);
      return this;
    }

    /**
     * When a server has not answered after this long, ask another one in parallel, still counting the first if it
     * answers in time (default 1 s; {@code null} to wait for each request's own timeout instead).
     */
    public Builder hedgeAfter(Duration d) {
      this.hedgeAfter = d == null ? null : positive("hedgeAfter", d);
      return this;
    }

    /**
     * Hedged calls: ask this many servers more than a call needs, all at once, take the first answers that agree and
     * cancel the rest (default 0). Where network delay varies more than the servers' own time, the call then waits
     * for the fastest of them instead of the slowest, which lowers its tail latency for {@code n} more requests'
     * work on the servers; the cancelled answers cost this client nothing but reading them. Within
     * {@link #maxRequests}.
     */
    public Builder extraRequests(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("extraRequests must be >= 0, got " + n);
      }
      this.extraRequests = n;
      return this;
    }

    /** TCP connect timeout (default 2 s). */
    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive("connectTimeout", d);
      return this;
    }

    /** Timeout of registry pulls, module fetches and evidence submissions (default 5 s). */
    public Builder bootstrapTimeout(Duration d) {
      this.bootstrapTimeout = positive("bootstrapTimeout", d);
      return this;
    }

    /** How old the pulled records may get before the next call pulls again (default 30 s). */
    public Builder refreshInterval(Duration d) {
      this.refreshInterval = Objects.requireNonNull(d, "refreshInterval");
      return this;
    }

    /** The source of randomness for choosing servers (default: a fresh, randomly seeded generator). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Chooses servers reproducibly from {@code seed}. */
    public Builder seed(long seed) {
      return random(new java.util.SplittableRandom(seed));
    }

    /** Only servers that pass this filter are asked (the home server is asked regardless). */
    public Builder serverFilter(Predicate<ServerRecord> filter) {
      this.serverFilter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /** Runs Wasm verifiers in this sandbox (default: one the client makes when first needed). */
    public Builder sandbox(Sandbox sandbox) {
      this.sandbox = sandbox;
      return this;
    }

    /** Uses this HTTP client (HTTP/1.1 recommended). */
    public Builder httpClient(HttpClient http) {
      this.http = http;
      return this;
    }

    /** Most nodes evidence is sent to (default 16). */
    public Builder evidenceFanout(int n) {
      this.evidenceFanout = Math.max(0, n);
      return this;
    }

    /** The clock for scores and refreshes (tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sends every request through {@code transport} instead of HTTP (simulations, tests): service requests, evidence,
     * the bootstrap nodes' records and evidence feeds, and the modules and inputs the referee and Wasm verifiers fetch
     * ({@code GET /ipfs/{cid}}, unless a {@link #moduleSource} is given).
     */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * The time calls run on and how they wait for answers (default {@link CallClock#SYSTEM}); a simulation gives
     * its virtual time, together with a matching {@link #clock} and {@link #transport}.
     */
    public Builder callClock(CallClock callClock) {
      this.callClock = Objects.requireNonNull(callClock, "callClock");
      return this;
    }

    public TandemClient build() {
      if (bootstrap.isEmpty() && registry == null) {
        throw new IllegalArgumentException("a client needs at least one bootstrap node (or a registry)");
      }
      for (URI u : bootstrap) {
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
            || u.getHost() == null) {
          throw new IllegalArgumentException("bootstrap node must be an http(s) URL with a host, got '" + u + "'");
        }
      }
      if (random == null) {
        random = new java.util.SplittableRandom();
      }
      return new TandemClient(this);
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }
  }
}
