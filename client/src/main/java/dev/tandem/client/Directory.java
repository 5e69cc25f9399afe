package dev.tandem.client;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.Scores;
import dev.tandem.registry.Registry;
import dev.tandem.registry.store.ServerIndex;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the client knows of the network: service and server records, either from bootstrap nodes (the services it
 * calls looked up with {@code tandem_lookup}, or every record pulled with {@code tandem_records}) or read from a local
 * {@link Registry}. Every pulled record is validated and its signature
 * checked here ({@link RecordPull}), so a bootstrap node can withhold records but never forge or alter one; of several
 * records for one server, the highest {@code seq} wins. Pulls are incremental (one cursor per bootstrap node), run one
 * at a time, and happen lazily: on first use, when older than the refresh interval (in the background once the
 * client has records: {@link Refresher}), or when asked to (a service or candidates not found).
 */
final class Directory {
  private static final Logger LOG = LoggerFactory.getLogger(Directory.class);
  /** A forced refresh happens at most this often, so a missing service does not hammer the bootstrap nodes. */
  private static final Duration MIN_FORCED_INTERVAL = Duration.ofMillis(500);

  private final List<URI> bootstrap;
  private final Registry registry;
  private final Duration refreshInterval;
  private final Clock clock;
  private final long tieBreak;

  private final Map<String, ServiceRecord> services = new HashMap<>();
  /** Ids of service records handed out, by the record's identity ({@link #idOf}). Guarded by itself. */
  private final Map<ServiceRecord, String> ids = new java.util.IdentityHashMap<>();
  private static final int MAX_IDS = 4096;
  private final Map<PublicKey, ServerRecord> servers = new HashMap<>();
  /** Which servers offer each service, rebuilt by the first reader after a ServerRecord changed. */
  private ServerIndex index;
  /**
   * Of those, the ones the peer policy lets this client contact, per service: kept until the index changes or for
   * {@link #ALLOWED_NANOS} (the policy looks hosts up again after that), so that a call does not check ~200 URLs.
   */
  private final Map<String, Allowed> allowed = new HashMap<>();
  private static final long ALLOWED_NANOS = 60_000_000_000L;
  private static final int MAX_ALLOWED = 4096;

  private record Allowed(List<ServerRecord> servers, long atNanos) {}
  /** Which addresses learned from records are contacted (bootstrap nodes, named by the caller, always are). */
  private final PeerPolicy policy;
  /** How the bootstrap nodes are read (they hold the cursors and the services looked up). */
  private final BootstrapReader reader;
  private long lastRefresh;
  private boolean refreshedOnce;
  private boolean everReached;
  /**
   * Held for the whole of a pull and by nothing else: pulls run one at a time, while calls read what is known under
   * this directory's own lock, which is never held across the network.
   */
  private final ReentrantLock pulling = new ReentrantLock();

  /**
   * @param tieBreak this client's own order among servers of equal trust (drawn from its random generator, so a
   *     seeded client stays reproducible)
   * @param trusted the servers this client trusts, most first: a lookup asks for them first
   */
  Directory(List<URI> bootstrap, Registry registry, Transport transport, Duration timeout, Duration refreshInterval,
      ExecutorService executor, Clock clock, PeerPolicy policy, long tieBreak, boolean lookUp,
      java.util.function.IntFunction<List<dev.tandem.core.crypto.PublicKey>> trusted) {
    this.reader = new BootstrapReader(bootstrap, transport, timeout, executor, clock, lookUp,
        () -> trusted.apply(ServiceLookup.PREFERRED));
    this.tieBreak = tieBreak;
    this.policy = policy;
    this.bootstrap = List.copyOf(bootstrap);
    this.registry = registry;
    this.refreshInterval = refreshInterval;
    this.clock = clock;
  }

  /** Pulls new records when the last pull is older than the refresh interval. */
  void refreshIfStale() {
    refreshIfOlderThan(refreshInterval);
  }

  /**
   * Brings the records of {@code ref} (a service id, NAME or OWNER/NAME) now: looks it up, unless it was within the
   * last moment, or pulls new records, unless a pull happened within the last moment.
   */
  void refreshSoon(String ref) {
    if (registry != null || !reader.looksUp()) {
      refreshIfOlderThan(MIN_FORCED_INTERVAL);
    } else if (!reader.lookedUpWithin(ref, MIN_FORCED_INTERVAL)) {
      read(() -> reader.lookUp(ref, true));
    }
  }

  /**
   * With lookups, brings the record of service {@code id} when it is not known, without looking it up again later:
   * evidence names services the client may never call.
   */
  void lookUpOnce(String id) {
    if (registry == null && reader.looksUp() && service(id).isEmpty()) {
      read(() -> reader.lookUp(id, false));
    }
  }

  /** Runs {@code read} after the one in flight, if any, and keeps what it brought. */
  private void read(java.util.function.Supplier<BootstrapReader.Read> read) {
    pulling.lock();
    try {
      apply(read.get());
    } finally {
      pulling.unlock();
    }
  }

  /** Whether the client looks services up and never looked {@code ref} up (its first use then does). */
  boolean neverLookedUp(String ref) {
    return registry == null && reader.neverLookedUp(ref);
  }

  /** Whether the records are older than the refresh interval (never with a registry, which is always current). */
  boolean stale() {
    return registry == null && olderThan(refreshInterval);
  }

  /** Whether this directory has records: a registry, or a pull that reached a bootstrap node. */
  synchronized boolean reached() {
    return registry != null || everReached;
  }

  /**
   * Pulls when the records are older than {@code age}. A caller that finds a pull in flight waits for it and then pulls
   * only if the records are still that old: the pull it waited for brought what its own would have.
   */
  private void refreshIfOlderThan(Duration age) {
    if (registry == null && olderThan(age)) {
      pulling.lock();
      try {
        if (olderThan(age)) {
          apply(reader.refresh());
        }
      } finally {
        pulling.unlock();
      }
    }
  }

  private synchronized boolean olderThan(Duration age) {
    return !refreshedOnce || clock.millis() - lastRefresh >= age.toMillis();
  }

  /**
   * Pulls from every bootstrap node in parallel, after the pull in flight if there is one.
   *
   * @throws NoServersException when no bootstrap node has ever answered
   */
  void refresh() {
    if (registry != null) {
      return;
    }
    read(reader::refresh);
  }

  /**
   * Keeps what {@code read} brought.
   *
   * @throws NoServersException when no bootstrap node has ever answered
   */
  private void apply(BootstrapReader.Read read) {
    synchronized (this) {
      read.records().forEach(this::add);
      everReached |= read.reached();
      lastRefresh = clock.millis();
      refreshedOnce = true;
    }
    if (!read.errors().isEmpty()) {
      LOG.debug("bootstrap nodes not reached: {}", read.errors());
    }
    synchronized (this) {
      if (!everReached) {
        throw new NoServersException("cannot reach any bootstrap node: " + String.join("; ", read.errors()));
      }
    }
  }

  private void add(SignedRecord r) {
    switch (r) {
      case ServiceRecord s -> services.put(s.serviceId(), s);
      case ServerRecord s -> {
        servers.merge(s.key(), s, (old, neu) -> neu.seq() > old.seq() ? neu : old);
        index = null;
      }
    }
  }

  /** The service with this id. */
  Optional<ServiceRecord> service(String id) {
    if (registry != null) {
      return registry.service(id);
    }
    synchronized (this) {
      return Optional.ofNullable(services.get(id));
    }
  }

  /**
   * The known services named {@code name}: from the registry's index by name, or the records pulled so far. What a
   * name resolves among, without every service passing by.
   */
  List<ServiceRecord> named(String name) {
    if (registry != null) {
      // resolve() looks the string up as an id first: keep only services that carry it as their name.
      return registry.resolve(name).stream().filter(s -> s.name().equals(name)).toList();
    }
    synchronized (this) {
      return services.values().stream().filter(s -> s.name().equals(name)).toList();
    }
  }

  /**
   * The id of {@code service}, a record this directory handed out: hashed from it once, then remembered by the
   * record's identity (the registry and this directory hand out the same instances), so a handle by name does not hash
   * the record on every lookup. Bounded by clearing it when full.
   */
  String idOf(ServiceRecord service) {
    synchronized (ids) {
      String id = ids.get(service);
      if (id != null) {
        return id;
      }
    }
    String id = service.serviceId();
    synchronized (ids) {
      if (ids.size() >= MAX_IDS) {
        ids.clear();
      }
      ids.put(service, id);
    }
    return id;
  }

  /** Every known service: from the registry, or the records pulled so far. */
  List<ServiceRecord> allServices() {
    if (registry != null) {
      return registry.services();
    }
    synchronized (this) {
      return new ArrayList<>(services.values());
    }
  }

  /** Every known server's current record: from the registry, or the records pulled so far. */
  private List<ServerRecord> allServers() {
    if (registry != null) {
      return registry.servers();
    }
    synchronized (this) {
      return new ArrayList<>(servers.values());
    }
  }

  /**
   * Current, non-retired servers whose record offers {@code serviceId}, sorted by key (a stable order to draw from).
   * The peer policy may look host names up, and any key can register a server under a domain whose name server never
   * answers: names are looked up outside this directory's lock, so such a lookup holds the callers that need these
   * servers, never every call and refresh of the client.
   */
  List<ServerRecord> offering(String serviceId) {
    if (registry != null) {
      List<ServerRecord> offering = registry.serversOffering(serviceId); // indexed, in key order
      return policy.equals(PeerPolicy.ANY) ? offering
          : offering.stream().filter(s -> policy.allows(s.url())).toList();
    }
    ServerIndex at;
    long now = System.nanoTime();
    synchronized (this) {
      if (index == null) {
        index = new ServerIndex(servers);
        allowed.clear();
      }
      if (policy.equals(PeerPolicy.ANY)) {
        return index.offering(serviceId);
      }
      Allowed known = allowed.get(serviceId);
      if (known != null && now - known.atNanos() < ALLOWED_NANOS) {
        return known.servers();
      }
      at = index;
    }
    List<ServerRecord> contacted = at.offering(serviceId).stream().filter(s -> policy.allows(s.url())).toList();
    synchronized (this) {
      if (index == at) { // a record pulled meanwhile may change who offers it: then the next reader looks again
        if (allowed.size() >= MAX_ALLOWED) {
          allowed.clear();
        }
        allowed.put(serviceId, new Allowed(contacted, now));
      }
    }
    return contacted;
  }

  /** The current record of the server with this key. */
  Optional<ServerRecord> server(PublicKey key) {
    if (registry != null) {
      return registry.server(key);
    }
    synchronized (this) {
      return Optional.ofNullable(servers.get(key));
    }
  }

  /** Who operates {@code server}: see {@link Operators#of}. */
  String operator(ServerRecord server) {
    return Operators.of(server, registry == null ? java.util.Optional.empty() : registry.operator(server.key()));
  }

  /** Whether this client contacts {@code url}, learned from a record (its peer policy). */
  boolean allows(URI url) {
    return policy.allows(url);
  }

  /** The peer policy, for messages. */
  String policyName() {
    return policy.name();
  }

  /** The non-retired server registered at {@code url}, if exactly one is. */
  Optional<ServerRecord> serverAt(URI url) {
    URI want = NodeUrls.base(url);
    List<ServerRecord> at = allServers().stream().filter(s -> !s.retired() && NodeUrls.base(s.url()).equals(want))
        .toList();
    return at.size() == 1 ? Optional.of(at.get(0)) : Optional.empty();
  }

  /**
   * Where the module of {@code service} (and a re-run's inputs) may be fetched from, best first, no duplicates: its
   * home server, the bootstrap nodes, the servers offering it by {@code scores} (the most trusted first), then the
   * other known nodes; never a blacklisted server. The order matters against Sybils: sources are asked in turn, and
   * one that trickles its answer holds the fetch until its download time is up. Anyone can register a server (a liar
   * in the very dispute among them), so the sources the owner and the user chose come first, and strangers by earned
   * trust, not in the order of keys, which can be ground.
   */
  List<URI> moduleSources(ServiceRecord service, String serviceId, Scores scores) {
    Set<URI> out = new LinkedHashSet<>();
    if (service.home() != null && policy.allows(service.home())) {
      out.add(NodeUrls.base(service.home()));
    }
    bootstrap.forEach(u -> out.add(NodeUrls.base(u)));
    // Servers of equal trust (every new one) in an order of this client's own, which no key can be ground to lead.
    offering(serviceId).stream().filter(s -> !scores.blacklisted(s.key()))
        .sorted(Comparator.comparingDouble((ServerRecord s) -> -scores.weight(s.key()))
            .thenComparingLong(s -> mix(tieBreak ^ s.key().hashCode())))
        .forEach(s -> out.add(NodeUrls.base(s.url())));
    Set<URI> blacklisted = new HashSet<>();
    allServers().stream().filter(s -> scores.blacklisted(s.key()))
        .forEach(s -> blacklisted.add(NodeUrls.base(s.url())));
    knownNodes().stream().filter(u -> !blacklisted.contains(u)).forEach(out::add);
    return new ArrayList<>(out);
  }

  /** Nodes to tell about evidence: the bootstrap nodes first, then every known server; no duplicates. */
  List<URI> knownNodes() {
    Set<URI> out = new LinkedHashSet<>();
    bootstrap.forEach(u -> out.add(NodeUrls.base(u)));
    allServers().stream().filter(s -> !s.retired() && policy.allows(s.url()))
        .sorted(Comparator.comparing(ServerRecord::key))
        .forEach(s -> out.add(NodeUrls.base(s.url())));
    return new ArrayList<>(out);
  }

  /** SplitMix64's finalizer: spreads a salted key hash over all longs. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
