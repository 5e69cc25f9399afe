package dev.tandem.client;

import dev.tandem.client.referee.ModuleCache;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.registry.Registry;
import dev.tandem.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The settings of a {@link TandemClient.Builder}, each checked as it is set, and the {@link ClientOptions} they make.
 * Its own class so that the client is not also the home of some thirty setters; {@code B} is the builder, so that the
 * setters chain on {@code TandemClient.Builder} itself. Only the bootstrap nodes (or a registry) are required.
 *
 * @param <B> the builder type the setters return
 */
abstract class ClientBuilder<B extends ClientBuilder<B>> {
  private List<URI> bootstrap = List.of();
  private Registry registry;
  private boolean pullEveryRecord;
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
  private RandomGenerator random; // made in options(): a fresh seed per client built
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
  private double audit = TandemClient.DEFAULT_AUDIT;
  private Executor auditExecutor;
  private BiConsumer<CallReport, CallReport.Audit> auditListener = (report, audit) -> { };
  private Path moduleDir;
  private ModuleCache.Source moduleSource;
  private String containers = "podman";
  private boolean evidenceFeed = true;
  private Duration feedRerunBudget = ConvictionFeed.RERUN_BUDGET;
  private Duration feedMaxRerunTimeout = ConvictionFeed.MAX_RERUN_TIMEOUT;

  /**
   * How the referee re-runs OCI services: {@code podman} (the default: the podman on the PATH, if any), the path
   * of a podman binary, or {@code off}. The image is pulled by digest and run with the isolation and limits nodes
   * use; without podman, an OCI conflict is settled by the home server and more servers.
   */
  public B containers(String runtime) {
    if (runtime == null || runtime.isBlank()) {
      throw new IllegalArgumentException("the container runtime must be podman, off or the path of a podman binary");
    }
    this.containers = runtime;
    return self();
  }

  /**
   * Whether the client reads the bootstrap nodes' evidence feeds ({@code tandem_evidence}) when it starts and at
   * each refresh, re-running each piece of evidence with its referee and convicting, in its own scores, every
   * signer of a wrong answer (default true; never with {@link RefereeMode#NONE}, which runs nothing here).
   */
  public B evidenceFeed(boolean read) {
    this.evidenceFeed = read;
    return self();
  }

  /**
   * Bounds the CPU the evidence feed costs: a pull re-runs evidence for at most {@code rerunBudget} of wall time
   * (default 5 s; the rest waits for the next pull), and evidence of a service whose time limit is over
   * {@code maxServiceTimeout} (default 10 s) is never re-run here, only counted: anyone can register a service whose
   * every call takes its whole limit, so the nodes judge such evidence.
   */
  public B evidenceFeedLimits(Duration rerunBudget, Duration maxServiceTimeout) {
    this.feedRerunBudget = positive("rerunBudget", rerunBudget);
    this.feedMaxRerunTimeout = positive("maxServiceTimeout", maxServiceTimeout);
    return self();
  }

  /**
   * Who settles a conflict (default {@link RefereeMode#LOCAL}: the client fetches the service's module by CID,
   * hash-checked, and re-runs the disputed request in its own sandbox with the record's limits; every signer of
   * another answer is convicted). The same re-run stands in for missing confirmations when fewer than
   * {@code minRequests} trustworthy servers answer.
   */
  public B referee(RefereeMode mode) {
    this.referee = Objects.requireNonNull(mode, "mode");
    return self();
  }

  /**
   * Audits a random fraction {@code rate} of accepted answers (unchecked ones of adaptive mode included): the
   * request is re-run here, off the caller's path, and a wrong accepted answer convicts all its signers and is
   * reported through {@link CallReport#audit()} and {@link #onWrongAnswer}. Default {@value TandemClient#DEFAULT_AUDIT}
   * (see docs/RELIABILITY.md); 0 turns audits off, 1 re-runs every answer ("trust nobody").
   */
  public B audit(double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("audit rate must be in [0, 1], got " + rate);
    }
    this.audit = rate;
    return self();
  }

  /** Runs audits on this executor (default: a virtual thread each; a simulation runs them inline). */
  public B auditExecutor(Executor executor) {
    this.auditExecutor = Objects.requireNonNull(executor, "executor");
    return self();
  }

  /** Told of every accepted answer that an audit found wrong, with the audit (on the audit's thread). */
  public B onWrongAnswer(BiConsumer<CallReport, CallReport.Audit> listener) {
    this.auditListener = Objects.requireNonNull(listener, "listener");
    return self();
  }

  /** Keeps the modules fetched in this directory across runs, hash-checked when read (default: memory only). */
  public B moduleDir(Path dir) {
    this.moduleDir = dir;
    return self();
  }

  /** Fetches modules through {@code source} instead of HTTP from the known nodes (simulations). */
  public B moduleSource(ModuleCache.Source source) {
    this.moduleSource = Objects.requireNonNull(source, "source");
    return self();
  }

  /** Nodes to read records from (the services called, or every record); every record is verified locally. */
  public B bootstrap(List<URI> nodes) {
    this.bootstrap = List.copyOf(nodes);
    return self();
  }

  public B bootstrap(URI... nodes) {
    return bootstrap(List.of(nodes));
  }

  /**
   * Which addresses learned from records the client contacts, as a node's {@code --peer-policy}; {@code auto} (the
   * default) is {@link PeerPolicy#nearest} of the bootstrap nodes, or {@code any} with its own {@link #transport}
   * (where URLs need not be network addresses). Bootstrap nodes are always contacted.
   */
  public B peerPolicy(String policy) {
    this.peerPolicy = PeerPolicy.parse(policy);
    return self();
  }

  /**
   * Pull every record rather than look up the services used (default false; docs/protocol.md "Looking a service up").
   */
  public B pullEveryRecord(boolean every) {
    this.pullEveryRecord = every;
    return self();
  }

  /** Reads records from a local registry instead of bootstrap nodes (a node calling services itself). */
  public B registry(Registry registry) {
    this.registry = registry;
    return self();
  }

  /** Where scores persist (default: in memory only). Closed with the client. */
  public B scoreStore(ScoreStore store) {
    this.scoreStore = Objects.requireNonNull(store, "store");
    return self();
  }

  /** Shares a {@link Scores} owned by someone else (a node); the client flushes it but does not close it. */
  public B scores(Scores scores) {
    this.scores = scores;
    return self();
  }

  /** Ask at least this many servers per call, even if the verifier needs fewer (default: the verifier's). */
  public B minRequests(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("minRequests must be >= 0, got " + n);
    }
    this.minRequests = n;
    return self();
  }

  /**
   * Most servers asked in one call, replacements and escalation included, the home server not counted (default 8;
   * never fewer than the verifier's minRequests).
   */
  public B maxRequests(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxRequests must be >= 1, got " + n);
    }
    this.maxRequests = n;
    return self();
  }

  /** Deadline of one whole call (default 15 s). */
  public B callTimeout(Duration d) {
    this.callTimeout = positive("callTimeout", d);
    return self();
  }

  /** Deadline of one request to one server (default: the service's timeout + 2 s, within the call's deadline). */
  public B requestTimeout(Duration d) {
    this.requestTimeout = positive("requestTimeout", d);
    return self();
  }

  /**
   * Adaptive mode (docs/protocol.md, "A verified call", step 6): spot-check only a random fraction {@code rate} of
   * calls, and send every other call to one <em>proven</em> server alone (one whose score at this client is at least
   * {@value AdaptiveCall#PROVEN_SCORE}, i.e. about ten more good answers than bad ones), taking its signed answer
   * unverified ({@link CallReport.Decision#UNCHECKED}). A spot check asks a proven server and one server of another
   * operator at once: the same signed answer from both is taken ({@link CallReport.Decision#SPOT_CHECK}), a
   * difference goes to the referee, whose re-run convicts whoever was wrong. When no proven server offers the
   * service, or a server asked fails or is slow, the call is verified in full.
   *
   * <p>The trade: latency and work close to a direct call (about {@code 1 + rate} requests per call), against wrong
   * answers from a proven server that turns liar until a spot check or an audit catches it (about
   * {@code (1 - rate) / rate} of its calls on average; it is then convicted and never asked again). Default 1.0:
   * every call is verified in full.
   *
   * @param rate the fraction of calls spot-checked, in (0, 1]; 1 verifies every call in full
   */
  public B spotCheck(double rate) {
    if (!(rate > 0 && rate <= 1)) {
      throw new IllegalArgumentException("spotCheck rate must be in (0, 1], got " + rate);
    }
    this.spotCheck = rate;
    return self();
  }

  /** Valid answers slower than this cost a point instead of earning one (default 2 s). */
  public B slowThreshold(Duration d) {
    this.slowThreshold = positive("slowThreshold", d);
    return self();
  }

  /**
   * When a server has not answered after this long, ask another one in parallel, still counting the first if it
   * answers in time (default 1 s; {@code null} to wait for each request's own timeout instead).
   */
  public B hedgeAfter(Duration d) {
    this.hedgeAfter = d == null ? null : positive("hedgeAfter", d);
    return self();
  }

  /**
   * Hedged calls: ask this many servers more than a call needs, all at once, take the first answers that agree and
   * cancel the rest (default 0). Where network delay varies more than the servers' own time, the call then waits
   * for the fastest of them instead of the slowest, which lowers its tail latency for {@code n} more requests'
   * work on the servers; the cancelled answers cost this client nothing but reading them. Within
   * {@link #maxRequests}.
   */
  public B extraRequests(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("extraRequests must be >= 0, got " + n);
    }
    this.extraRequests = n;
    return self();
  }

  /** TCP connect timeout (default 2 s). */
  public B connectTimeout(Duration d) {
    this.connectTimeout = positive("connectTimeout", d);
    return self();
  }

  /** Timeout of registry pulls, module fetches and evidence submissions (default 5 s). */
  public B bootstrapTimeout(Duration d) {
    this.bootstrapTimeout = positive("bootstrapTimeout", d);
    return self();
  }

  /** How old records and feeds may get before a call starts a refresh, in the background (default 30 s). */
  public B refreshInterval(Duration d) {
    this.refreshInterval = Objects.requireNonNull(d, "refreshInterval");
    return self();
  }

  /** The source of randomness for choosing servers (default: a fresh, randomly seeded generator). */
  public B random(RandomGenerator random) {
    this.random = Objects.requireNonNull(random, "random");
    return self();
  }

  /** Chooses servers reproducibly from {@code seed}. */
  public B seed(long seed) {
    return random(new java.util.SplittableRandom(seed));
  }

  /** Only servers that pass this filter are asked (the home server is asked regardless). */
  public B serverFilter(Predicate<ServerRecord> filter) {
    this.serverFilter = Objects.requireNonNull(filter, "filter");
    return self();
  }

  /** Runs Wasm verifiers in this sandbox (default: one the client makes when first needed). */
  public B sandbox(Sandbox sandbox) {
    this.sandbox = sandbox;
    return self();
  }

  /** Uses this HTTP client (HTTP/1.1 recommended). */
  public B httpClient(HttpClient http) {
    this.http = http;
    return self();
  }

  /** Most nodes evidence is sent to (default 16). */
  public B evidenceFanout(int n) {
    this.evidenceFanout = Math.max(0, n);
    return self();
  }

  /** The clock for scores and refreshes (tests). */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /**
   * Sends every request through {@code transport} instead of HTTP (simulations, tests): service requests, evidence,
   * the bootstrap nodes' records and evidence feeds, and the modules and inputs the referee and Wasm verifiers fetch
   * ({@code GET /ipfs/{cid}}, unless a {@link #moduleSource} is given).
   */
  public B transport(Transport transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
    return self();
  }

  /**
   * The time calls run on and how they wait for answers (default {@link CallClock#SYSTEM}); a simulation gives
   * its virtual time, together with a matching {@link #clock} and {@link #transport}.
   */
  public B callClock(CallClock callClock) {
    this.callClock = Objects.requireNonNull(callClock, "callClock");
    return self();
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * The settings as one immutable value.
   *
   * @throws IllegalArgumentException when neither bootstrap nodes nor a registry are given, or a bootstrap node is
   *     not an http(s) URL with a host
   */
  ClientOptions options() {
    if (bootstrap.isEmpty() && registry == null) {
      throw new IllegalArgumentException("a client needs at least one bootstrap node (or a registry)");
    }
    for (URI u : bootstrap) {
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        throw new IllegalArgumentException("bootstrap node must be an http(s) URL with a host, got '" + u + "'");
      }
    }
    PeerPolicy policy = transport != null && peerPolicy.equals("auto") ? PeerPolicy.ANY
        : PeerPolicy.nearest(peerPolicy, bootstrap);
    return new ClientOptions(bootstrap, registry, scoreStore, scores,
        new CallSettings(minRequests, maxRequests, callTimeout, requestTimeout, slowThreshold, hedgeAfter,
            extraRequests, serverFilter, spotCheck, referee, audit),
        connectTimeout, bootstrapTimeout, refreshInterval, random != null ? random : new java.util.SplittableRandom(),
        sandbox, http, evidenceFanout, clock, transport, policy, callClock, auditExecutor, auditListener, moduleDir,
        moduleSource, containers, evidenceFeed, feedRerunBudget, feedMaxRerunTimeout, pullEveryRecord);
  }

  private static Duration positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
    return d;
  }
}
