package dev.tandem.client;

import dev.tandem.client.referee.ModuleCache;
import dev.tandem.client.referee.Referee;
import dev.tandem.client.verify.Verifier;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.Scores;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>For each call (docs/protocol.md, "A verified call") it asks the verifier's {@code minRequests()} servers in
 * parallel, chosen at random by score and latency among those whose signed ServerRecord offers the service; checks
 * every answer's attestation itself; replaces servers that fail; lets the verifier judge, counting agreement only
 * from distinct operators and requiring an established (off-probation) server or its own re-run; on a conflict
 * re-runs the request itself (its {@linkplain RefereeMode referee}; then the home server, then more servers),
 * convicts the servers that signed a wrong answer and sends the evidence to the nodes it knows; audits a fraction of
 * accepted answers. When it cannot be sure, it throws {@link UnverifiableException}: it never returns an unverified
 * answer.
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
  private final CallContext ctx;
  private final Verifiers verifiers;
  private final ExecutorService executor;
  private final LocalRuntimes runtimes;
  private final boolean ownScores;
  private final HttpClient http;
  private final boolean ownHttp;
  private final Duration closeTimeout;
  private final ConvictionFeed feed;
  private final Refresher refresher;

  /** Connects the parts {@code o} describes; nothing is fetched until the first call or {@link #refresh}. */
  private TandemClient(ClientOptions o) {
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.ownHttp = o.http() == null;
    this.http = o.http() != null ? o.http() : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(o.connectTimeout()).build();
    Transport transport = o.transport() != null ? o.transport() : Transport.http(http);
    this.ownScores = o.scores() == null;
    Scores scores = o.scores() != null ? o.scores() : new Scores(o.scoreStore(), o.clock());
    Directory directory = new Directory(o.bootstrap(), o.registry(), transport, o.bootstrapTimeout(),
        o.refreshInterval(), executor, o.clock(), o.policy(), o.random().nextLong(), !o.pullEveryRecord(),
        scores::trusted);
    this.closeTimeout = o.bootstrapTimeout();
    this.runtimes = new LocalRuntimes(o.sandbox(), o.containers());
    ModuleCache modules = new ModuleCache(o.moduleDir(), o.moduleSource() != null ? o.moduleSource()
        : ModuleCache.over(transport, o.bootstrapTimeout()));
    this.verifiers = new Verifiers(runtimes::sandbox, modules);
    this.ctx = new CallContext(directory, scores, new Exchange(transport, o.callClock()), new Selector(o.random()),
        new EvidenceSender(transport, o.bootstrapTimeout(), o.evidenceFanout()), o.call(), new AtomicLong(),
        o.callClock(), new Referee(runtimes::sandbox, modules, runtimes::containers),
        o.auditExecutor() != null ? o.auditExecutor() : executor, o.auditListener());
    this.feed = new ConvictionFeed(o.bootstrap(), transport, o.bootstrapTimeout(), o.refreshInterval(), o.clock(),
        directory, scores, ctx.referee(), o.evidenceFeed() && o.registry() == null && o.call().referee().runsLocally(),
        o.feedRerunBudget(), o.feedMaxRerunTimeout());
    this.refresher = new Refresher(directory, feed, o.bootstrapTimeout());
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
    if (ctx.directory().neverLookedUp(nameOrId)) {
      // A name resolves among the services of that name its own lookup sent: another owner's is not missed.
      ctx.directory().refreshSoon(nameOrId);
    }
    ServiceRecord record = resolve(nameOrId);
    if (record == null) {
      ctx.directory().refreshSoon(nameOrId);
      record = resolve(nameOrId);
    }
    if (record == null) {
      throw new ServiceNotFoundException(nameOrId, "no service with id or name '" + nameOrId + "' is known to the "
          + "bootstrap nodes");
    }
    // Found by id, the id is the one asked for; else the directory knows it (hashed once per record).
    return new ServiceHandle(this, record, ctx.directory().service(nameOrId).isPresent() ? nameOrId
        : ctx.directory().idOf(record));
  }

  private ServiceRecord resolve(String nameOrId) {
    var byId = ctx.directory().service(nameOrId);
    if (byId.isPresent()) {
      return byId.get();
    }
    try {
      // Anyone can register a service under any name: never pick one owner's service over another's silently.
      // Not an id the directory holds: a name (resolve would hash every record for its id first).
      // Only the services of that name take part: what a name resolves among, and all an ambiguity names.
      String name = nameOrId.substring(nameOrId.indexOf('/') + 1);
      return ServiceNames.resolveName(nameOrId, ctx.directory().named(name)).orElse(null);
    } catch (IllegalArgumentException e) {
      throw new ServiceNotFoundException(nameOrId, e.getMessage());
    }
  }

  /**
   * Pulls new records, and the convictions in the bootstrap nodes' evidence feeds, from the bootstrap nodes now (after
   * a pull in flight, if there is one: never two at once).
   */
  public void refresh() {
    refresher.refresh();
  }

  /**
   * Before a call: the first pull of records and evidence feeds, waited for; after it, a refresh of whatever is older
   * than the refresh interval, in the background ({@link Refresher}).
   */
  void freshen() {
    refresher.freshen();
  }

  /** What the evidence feed did so far. */
  ConvictionFeed.Stats feedStats() {
    return feed.stats();
  }

  /** This client's scores of servers (shared with whoever supplied them to the builder). */
  public Scores scores() {
    return ctx.scores();
  }

  /** The current, non-retired servers offering {@code serviceId}, as this client knows them (filter applied). */
  public List<ServerRecord> serversOffering(String serviceId) {
    if (ctx.directory().neverLookedUp(serviceId)) {
      ctx.directory().refreshSoon(serviceId);
    }
    return ctx.directory().offering(serviceId).stream().filter(ctx.settings().serverFilter()).toList();
  }

  CallContext context() {
    return ctx;
  }

  ExecutorService executor() {
    return executor;
  }

  Verifier verifierFor(ServiceRecord service, String serviceId) {
    return verifiers.forService(service, () -> ctx.directory().moduleSources(service, serviceId,
        ctx.scores()));
  }

  /**
   * Whether this client's referee can re-run OCI services: a podman binary is found (and not turned off). Whether it
   * can run containers here is learnt on the first dispute; where it cannot, the referee declines and the home
   * server and more servers settle the conflict.
   */
  public boolean runsContainers() {
    return runtimes.runsContainers();
  }

  /**
   * Stops a background refresh, waits (up to the bootstrap timeout each) for it and for evidence still being sent,
   * persists scores (closing a store the client made), and stops the sandbox, containers, HTTP client and threads the
   * client made.
   */
  @Override
  public void close() {
    refresher.close();
    ctx.evidence().awaitPending(closeTimeout);
    if (ownScores) {
      ctx.scores().close();
    } else {
      ctx.scores().flush();
    }
    runtimes.close(); // the referee's containers stop with the client
    executor.shutdown();
    if (ownHttp) {
      http.shutdownNow(); // requests still running (to a stalled server) are abandoned: their calls are over
    }
  }

  /**
   * Settings of a {@link TandemClient}, each checked as it is set (the setters are those of its base, one per
   * setting, and return this builder). Only the bootstrap nodes (or a registry) are required.
   */
  public static final class Builder extends ClientBuilder<Builder> {
    private Builder() {}

    /**
     * The client these settings describe.
     *
     * @throws IllegalArgumentException when neither bootstrap nodes nor a registry are given, or a bootstrap node
     *     is not an http(s) URL with a host
     */
    public TandemClient build() {
      return new TandemClient(options());
    }
  }
}
