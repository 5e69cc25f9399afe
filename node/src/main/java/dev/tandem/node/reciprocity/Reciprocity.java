package dev.tandem.node.reciprocity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.reciprocity.Ledger.PeerState;
import dev.tandem.node.reciprocity.Planner.Arrears;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reciprocity planner as a node runs it. Each {@linkplain #round() round} it reads the registry and what the node
 * hosts, tracks which peers are in arrears and for how long, runs the pure {@link Planner}, hands the resulting offers
 * to the node ({@link Host#offer}), saves its state in the {@link Ledger} and keeps the round for the report.
 *
 * <p><b>Defaults.</b> A peer is in arrears when this node runs services for it, it owes this node, and it gives less
 * than it did when those services were added ({@link Planner#arrears}). When that lasts a full grace period the peer
 * is in default: the services run only for it are withdrawn (logged at INFO, listed in the report). In the same round
 * the planner pays whatever the peer still gives, so the peer ends up with what it earns now, not nothing forever.
 * The report shows the peer "in default" for one grace period after that.
 *
 * <p>Rounds run on one background thread every {@link Settings#interval()}, soon after {@link #poke()}, or at once
 * with {@link #round()} (serialized: a round never overlaps another).
 */
public final class Reciprocity implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Reciprocity.class);

  /** What the node provides to the planner. Called on the planner's thread; keep each call cheap. */
  public interface Host {
    /** The services the operator chose to offer (never withdrawn by the planner). */
    Set<String> operatorOffers();

    /** The services this node rewards. */
    Set<String> rewards();

    /** What the operator lets the node run. */
    ServerRecord.Capacity capacity();

    /**
     * What a module already stored locally weighs: the heap loading it may take, in bytes (its size says little: 0.4
     * MB of empty functions load like 7 MB of code). Empty when it has not been fetched.
     */
    OptionalLong moduleWeight(Cid module);

    /** Services that cannot run here (their module was rejected), with why. */
    Map<String, String> unrunnable();

    /** Tells the node to offer exactly these services (the operator's and the held ones). */
    void offer(Set<String> serviceIds);
  }

  /**
   * How the planner runs.
   *
   * @param grace how long a peer may stay in arrears before it loses what is run only for it
   * @param interval how often a round runs even when nothing pokes it (grace periods end on this beat)
   */
  public record Settings(Duration grace, Duration interval) {
    public Settings {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("grace must not be negative");
      }
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive");
      }
    }

    /** A grace period of 10 minutes, a round every 10 seconds. */
    public static Settings defaults() {
      return new Settings(Duration.ofMinutes(10), Duration.ofSeconds(10));
    }
  }

  /**
   * A peer that reached the end of its grace period this round.
   *
   * @param peer the peer
   * @param since when it was first seen in arrears
   * @param arrears how things stood when it defaulted
   */
  public record Default(PublicKey peer, long since, Arrears arrears) {}

  /**
   * One round: when it ran, what the planner decided, which peers defaulted.
   *
   * @param at milliseconds since the epoch
   */
  public record Round(long at, Plan plan, List<Default> defaults) {
    public Round {
      defaults = List.copyOf(defaults);
    }

    /** True when the round added, withdrew or moved a service, or a peer defaulted. */
    public boolean changed() {
      return !plan.unchanged() || !defaults.isEmpty();
    }
  }

  private final PublicKey me;
  private final Supplier<? extends Collection<ServerRecord>> servers;
  private final Function<String, Optional<ServiceRecord>> services;
  private final Ledger ledger;
  private final Host host;
  private final Settings settings;
  private final Clock clock;
  private final Predicate<PublicKey> convicted;
  private final DeliveryProbes probes;
  private final Credit credit;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tandem-reciprocity");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean poked = new AtomicBoolean();

  // Guarded by this.
  private Map<String, Held> held;
  private Map<PublicKey, PeerState> peers;
  private Set<String> applied;
  private volatile Round lastRound;
  private volatile Round lastChange;

  /**
   * @param me this node's key
   * @param servers the registry's current server records ({@code registry::servers})
   * @param services looks up a service record by id ({@code registry::service})
   * @param ledger where usage and the planner's state are kept
   * @param host the node's side: its choices, capacity, modules, and where to apply the offers
   * @param settings grace period and interval
   * @param clock the time source (tests inject a fixed or stepping clock)
   */
  public Reciprocity(PublicKey me, Supplier<? extends Collection<ServerRecord>> servers,
      Function<String, Optional<ServiceRecord>> services, Ledger ledger, Host host, Settings settings, Clock clock) {
    this(me, servers, services, ledger, host, settings, clock, k -> false);
  }

  /**
   * As above, with {@code convicted} telling which servers this node holds convicted (blacklisted after a wrong
   * answer): their offers count for nothing while it says so, so a liar earns no reciprocity however much it claims
   * to run.
   */
  public Reciprocity(PublicKey me, Supplier<? extends Collection<ServerRecord>> servers,
      Function<String, Optional<ServiceRecord>> services, Ledger ledger, Host host, Settings settings, Clock clock,
      Predicate<PublicKey> convicted) {
    this(me, servers, services, ledger, host, settings, clock, convicted, null);
  }

  /**
   * As above, with {@code probes} telling which offers failed their latest delivery probe: those count for nothing
   * either, until a probe of them succeeds ({@link DeliveryProbes}); null: every declared offer counts.
   */
  public Reciprocity(PublicKey me, Supplier<? extends Collection<ServerRecord>> servers,
      Function<String, Optional<ServiceRecord>> services, Ledger ledger, Host host, Settings settings, Clock clock,
      Predicate<PublicKey> convicted, DeliveryProbes probes) {
    this.probes = probes;
    this.convicted = Objects.requireNonNull(convicted);
    this.me = Objects.requireNonNull(me);
    this.credit = new Credit(me, this.convicted, probes);
    this.servers = Objects.requireNonNull(servers);
    this.services = Objects.requireNonNull(services);
    this.ledger = Objects.requireNonNull(ledger);
    this.host = Objects.requireNonNull(host);
    this.settings = Objects.requireNonNull(settings);
    this.clock = Objects.requireNonNull(clock);
    this.held = new TreeMap<>(ledger.held());
    this.peers = new TreeMap<>(ledger.peerStates());
  }

  /** Runs a round every {@link Settings#interval()} on a background thread, starting now. */
  public void start() {
    long every = settings.interval().toMillis();
    timer.scheduleWithFixedDelay(this::safeRound, 0, every, TimeUnit.MILLISECONDS);
  }

  /** Asks for a round soon (coalesced: many pokes before it starts make one round). Call when records change. */
  public void poke() {
    if (poked.compareAndSet(false, true)) {
      try {
        timer.execute(() -> {
          poked.set(false);
          safeRound();
        });
      } catch (RejectedExecutionException closed) {
        poked.set(false);
      }
    }
  }

  private void safeRound() {
    try {
      round();
    } catch (RuntimeException e) {
      LOG.warn("reciprocity round failed, will retry: {}", e.toString(), e);
    }
  }

  /** The services held for peers now, by service id. */
  public synchronized Map<String, Held> held() {
    return Map.copyOf(held);
  }

  /** {@code operatorOffers} plus the held services: what the node should offer. */
  public synchronized Set<String> withHeld(Set<String> operatorOffers) {
    Set<String> out = new TreeSet<>(operatorOffers);
    out.addAll(held.keySet());
    return out;
  }

  public Settings settings() {
    return settings;
  }

  /** The latest round, or null before the first. */
  public Round lastRound() {
    return lastRound;
  }

  /** The latest round that changed something, or null. */
  public Round lastChange() {
    return lastChange;
  }

  /** Plans and applies one round now. */
  public synchronized Round round() {
    long now = clock.millis();
    PlanInput base = input(now);

    Map<PublicKey, Arrears> arrears = new TreeMap<>();
    Planner.arrears(base).forEach(a -> arrears.put(a.peer(), a));
    Set<PublicKey> keys = new TreeSet<>(peers.keySet());
    keys.addAll(arrears.keySet());
    Map<PublicKey, PeerState> nextPeers = new TreeMap<>();
    Set<PublicKey> defaulted = new TreeSet<>();
    List<Default> defaults = new ArrayList<>();
    long grace = settings.grace().toMillis();
    for (PublicKey peer : keys) {
      PeerState was = peers.getOrDefault(peer, PeerState.NONE);
      Arrears a = arrears.get(peer);
      // A default stays on show for one grace period, then is history.
      Long defaultedAt = was.defaultedAt() != null && now - was.defaultedAt() < grace ? was.defaultedAt() : null;
      Integer gave = defaultedAt == null ? null : was.gaveAtDefault();
      PeerState next;
      if (a == null) {
        next = new PeerState(null, defaultedAt, gave);
      } else {
        long since = was.arrearsSince() != null ? was.arrearsSince() : now;
        if (was.arrearsSince() == null) {
          LOG.info("peer {} is in arrears: it runs {} of the services this node rewards, down from {}, while this "
              + "node runs {} it rewards; it defaults at {} unless it gives again", peer, a.theyGive(), a.promised(),
              a.iGive(), Instant.ofEpochMilli(since + grace));
        }
        if (now - since >= grace) {
          defaulted.add(peer);
          defaults.add(new Default(peer, since, a));
          next = new PeerState(null, now, a.theyGive());
        } else {
          next = new PeerState(since, defaultedAt, gave);
        }
      }
      if (!next.empty()) {
        nextPeers.put(peer, next);
      }
    }

    Plan plan = Planner.plan(base.withDefaulted(defaulted));
    Round round = new Round(now, plan, defaults);
    RoundLog.log(round, settings.grace(), this::name);
    if (!plan.held().equals(held)) {
      ledger.saveHeld(plan.held());
      held = new TreeMap<>(plan.held());
    }
    if (!nextPeers.equals(peers)) {
      ledger.savePeerStates(nextPeers);
      peers = nextPeers;
    }
    if (!plan.offers().equals(applied)) {
      host.offer(plan.offers());
      applied = plan.offers();
    }
    ledger.flush();
    Round before = lastRound;
    lastRound = round;
    if (round.changed()) {
      lastChange = round;
    }
    if (before == null || !before.plan().cannotHonour().equals(plan.cannotHonour())) {
      plan.cannotHonour().forEach(s -> LOG.info("cannot honour what this node owes {}: {}", s.peer(), s.why()));
    }
    return round;
  }

  /** What the planner decides from, read fresh from the registry and the node. */
  private PlanInput input(long now) {
    List<ServerRecord> records = servers.get().stream().map(credit::of).toList();
    Set<String> operator = host.operatorOffers();
    Set<String> ids = new TreeSet<>(operator);
    ids.addAll(held.keySet());
    for (ServerRecord r : records) {
      if (!r.key().equals(me) && !r.retired()) {
        ids.addAll(r.rewards());
      }
    }
    Map<String, ServiceRecord> known = new HashMap<>();
    Map<String, Long> fetched = new HashMap<>();
    for (String id : ids) {
      services.apply(id).ifPresent(s -> {
        known.put(id, s);
        if (!s.isOci()) { // an image's size is not a module's: OCI services cost their memory, like wasm ones
          host.moduleWeight(s.module()).ifPresent(weight -> fetched.put(s.code(), weight));
        }
      });
    }
    return new PlanInput(me, records, known, host.capacity(), host.rewards(), operator, fetched, host.unrunnable(),
        held, Set.of(), now);
  }

  /** The record as reciprocity counts it: the offers of a server {@code convicted} names are left out. */
  public static ServerRecord credited(ServerRecord r, Predicate<PublicKey> convicted) {
    if (r.offers().isEmpty() || !convicted.test(r.key())) {
      return r;
    }
    return new ServerRecord(r.key(), r.url(), List.of(), r.rewards(), r.capacity(), r.seq(), r.retired(), r.sig());
  }

  String name(String serviceId) {
    return services.apply(serviceId).map(ServiceRecord::name).orElse("?");
  }

  /** The report as of now (see {@link ReciprocityReport}); {@code detail} adds one peer's per-service ledger. */
  public ReciprocityReport report(PublicKey detail) {
    long now = clock.millis();
    PlanInput in;
    Map<PublicKey, PeerState> states;
    synchronized (this) {
      in = input(now);
      states = Map.copyOf(peers);
    }
    return ReciprocityReport.build(in, states, settings.grace(), ledger, lastRound, lastChange, this::name, detail,
        convicted, credit.declared(servers.get(), host.rewards()), probes);
  }

  /**
   * The {@code tandem_reciprocity} JSON-RPC method. Params: {@code {}} or {@code {"peer": "ed25519:…"}} to add that
   * peer's per-service ledger.
   */
  public JsonNode reciprocity(JsonNode params) {
    PublicKey detail = null;
    JsonNode peer = params == null ? null : params.get("peer");
    if (peer != null && !peer.isNull()) {
      try {
        detail = PublicKey.parse(peer.asText());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("peer: " + e.getMessage());
      }
    }
    return report(detail).toJson();
  }

  /** Stops the background rounds (a running one finishes). The ledger is the caller's to close. */
  @Override
  public void close() {
    timer.shutdown(); // not shutdownNow: an interrupt could land in the middle of a ledger write
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
