package dev.tandem.registry.gossip;

import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.registry.Registry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy between registries: every node pulls its peers' record logs and pushes what it newly stores, so a
 * record submitted anywhere reaches every node that is connected, however indirectly.
 *
 * <ul>
 *   <li><b>Pull.</b> Every {@code interval}, from every configured peer and from {@code pullFanout} learned peers
 *       drawn at random: {@code tandem_recordIndex} from the cursor stored for that peer (each record named by type,
 *       id and seq, not sent), then {@code tandem_getRecords} for only those this registry does not hold, each
 *       submitted locally (so validated: an invalid one is logged at WARN, counted and skipped, never stored), then
 *       the cursor saved with the id of the peer's log. A peer that has no index (an older node) is pulled whole with
 *       {@code tandem_records}. Pulls repair whatever pushes lost.
 *   <li><b>New logs.</b> A peer whose log is not the one our cursor came from (a new database behind the same URL)
 *       is read again from the start: it answers with another log id, or (when it gives none) with a {@code next}
 *       lower than our cursor.
 *   <li><b>Push.</b> Each record newly stored locally, whoever stored it, is sent at once with
 *       {@code tandem_submitRecord} to {@code pushFanout} peers drawn at random (never the one it was pulled from),
 *       through a bounded queue per peer that drops its oldest record when full: a rumor that every node storing it
 *       passes on, so it reaches most nodes in a few hops, and pulls bring it to the rest.
 *   <li><b>Peers</b> are those configured, those added by {@link #addPeer}, and the {@code url} of every stored,
 *       non-retired ServerRecord except this node's own ({@code self}); a learned peer goes away when its server
 *       retires or moves.
 *   <li><b>Failures.</b> Each peer has its own worker and its own backoff (interval, doubling, up to
 *       {@code maxBackoff}), so an unreachable peer never delays the others.
 * </ul>
 *
 * <pre>{@code
 * Gossip gossip = Gossip.builder().registry(registry)
 *     .peers(List.of(URI.create("http://10.0.0.2:7001"))).self(myUrl).interval(Duration.ofSeconds(10)).build();
 * gossip.start();
 * }</pre>
 */
public final class Gossip implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gossip.class);

  private final Registry registry;
  private final Duration interval;
  private final boolean learnPeers;
  private final int pushFanout;
  private final int pullFanout;
  /** The peers, configured and learned, with the cap on learned ones. */
  private final PeerTable table;
  /** The pulls, pushes and backoff per peer, with the counters. */
  private final PeerWorkers work;

  private final ScheduledExecutorService timer;
  private volatile boolean started;
  private volatile boolean closed;

  private final AtomicLong rounds = new AtomicLong();
  /** Rounds between turns: a learned URL that is not a peer takes a learned peer's place ({@link PeerTable#rotate}). */
  static final int ROTATE_ROUNDS = 30;

  private Gossip(Builder b) {
    this.registry = Objects.requireNonNull(b.registry, "registry");
    PeerCursors cursors = b.cursors != null ? b.cursors
        : registry instanceof PeerCursors.Source source ? source.peerCursors() : PeerCursors.inMemory();
    this.interval = positive("interval", b.interval);
    Duration maxBackoff = positive("maxBackoff", b.maxBackoff);
    if (b.pageSize < 1 || b.pageSize > RegistryRpc.MAX_LIMIT) {
      throw new IllegalArgumentException("pageSize must be 1 to " + RegistryRpc.MAX_LIMIT + ", got " + b.pageSize);
    }
    if (b.queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be 1 or more, got " + b.queueCapacity);
    }
    if (b.pushFanout < 1 || b.pullFanout < 1) {
      throw new IllegalArgumentException("pushFanout and pullFanout must be 1 or more, got " + b.pushFanout + " and "
          + b.pullFanout);
    }
    this.pushFanout = b.pushFanout;
    this.pullFanout = b.pullFanout;
    this.learnPeers = b.learnPeers;
    this.table = new PeerTable(b.self == null ? null : NodeUrls.peer(b.self), b.queueCapacity, b.peerPolicy,
        b.maxLearnedPeers);
    for (URI p : b.peers) {
      table.addConfigured(p);
    }
    JsonRpcClient client = b.transport != null
        ? new JsonRpcClient(b.transport, positive("requestTimeout", b.requestTimeout))
        : new JsonRpcClient(positive("connectTimeout", b.connectTimeout), positive("requestTimeout", b.requestTimeout));
    this.work = new PeerWorkers(registry, cursors, interval, maxBackoff, b.pageSize, client, () -> closed,
        b.learnedPeerQuota);
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("tandem-gossip")
        .factory());
  }

  private static Duration positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
    }
    return d;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts pulling and pushing: learns peers from the stored ServerRecords, then runs a round every interval. */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("gossip is closed");
    }
    if (started) {
      throw new IllegalStateException("gossip is already started");
    }
    started = true;
    registry.onStored(this::onStored);
    if (learnPeers) {
      registry.servers().forEach(table::learn);
    }
    timer.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("gossip started with {} peers, every {} ms", table.size(), interval.toMillis());
  }

  /**
   * Adds a peer by its base URL (the node's {@code /rpc} is below it). It stays until {@link #removePeer}.
   *
   * @return whether it was new
   * @throws IllegalArgumentException when {@code url} is not an http(s) URL
   */
  public boolean addPeer(URI url) {
    return table.addConfigured(url);
  }

  /** Stops gossiping with a peer; returns whether it was one. */
  public boolean removePeer(URI url) {
    return table.remove(url);
  }

  /** The peers gossiped with now, configured and learned, in no particular order. */
  public List<URI> peers() {
    return table.urls();
  }

  /** The counters since start. */
  public GossipStats stats() {
    return work.stats(rounds.get(), table.size());
  }

  /** Stops the timer and the workers; requests in flight are abandoned (pulls resume from the saved cursors). */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    timer.shutdownNow();
    table.close();
    work.close();
  }

  /** Learns a peer from a newly stored ServerRecord, and pushes every newly stored record. */
  private void onStored(SignedRecord record) {
    if (closed) {
      return;
    }
    if (learnPeers && record instanceof ServerRecord server) {
      table.learn(server);
    }
    work.push(record, table.all(), pushFanout);
  }

  /**
   * One round: a pull from every configured peer and from {@code pullFanout} learned peers drawn at random (those out
   * of backoff and not already being pulled), and any pending pushes.
   */
  private void round() {
    try {
      if (rounds.incrementAndGet() % ROTATE_ROUNDS == 0) {
        table.rotate();
      }
      long now = System.nanoTime();
      List<Peer> learned = new ArrayList<>();
      for (Peer peer : table.all()) {
        if (!peer.ready(now)) {
          continue;
        }
        if (peer.configured) {
          if (!work.pullLater(peer)) {
            return; // closing
          }
        } else {
          learned.add(peer);
        }
        if (peer.hasQueued()) {
          work.drainLater(peer);
        }
      }
      Collections.shuffle(learned, ThreadLocalRandom.current());
      for (Peer peer : learned.subList(0, Math.min(pullFanout, learned.size()))) {
        if (!work.pullLater(peer)) {
          return; // closing
        }
      }
    } catch (RuntimeException e) {
      // An exception would cancel the periodic task: log it and keep gossiping.
      LOG.warn("gossip round failed: {}", e.toString(), e);
    }
  }

  /** Configures a {@link Gossip}; only {@link #registry} is required. */
  public static final class Builder {
    private Registry registry;
    private PeerCursors cursors;
    private final List<URI> peers = new ArrayList<>();
    private URI self;
    private Duration interval = Duration.ofSeconds(10);
    private Duration maxBackoff = Duration.ofMinutes(5);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private int pageSize = RegistryRpc.DEFAULT_LIMIT;
    private int queueCapacity = 1024;
    private boolean learnPeers = true;
    private int pushFanout = 4;
    private int pullFanout = 3;
    private java.util.function.Predicate<URI> peerPolicy = u -> true;
    private int maxLearnedPeers = 128;
    private LearnedPeerQuota learnedPeerQuota = LearnedPeerQuota.unlimited();
    private Transport transport;

    private Builder() {}

    /** Which URLs learned from ServerRecords may become peers (configured peers always are); default all. */
    public Builder peerPolicy(java.util.function.Predicate<URI> v) { peerPolicy = v; return this; }

    /** Most peers learned from ServerRecords (default 128); past it the least useful is evicted. */
    public Builder maxLearnedPeers(int v) { maxLearnedPeers = v; return this; }

    /** New records each learned peer may bring by pulls (default: no limit); configured peers are not counted. */
    public Builder learnedPeerQuota(LearnedPeerQuota v) {
      learnedPeerQuota = java.util.Objects.requireNonNull(v, "learnedPeerQuota");
      return this;
    }

    /** The local registry: where pulled records are submitted and whose new records are pushed. */
    public Builder registry(Registry v) { registry = v; return this; }

    /**
     * How requests reach peers (default: HTTP of its own, with {@link #connectTimeout}); another transport runs the
     * same gossip over an in-process or simulated network.
     */
    public Builder transport(Transport v) { transport = java.util.Objects.requireNonNull(v, "transport"); return this; }

    /**
     * Where cursors are kept; by default the registry's own when it keeps them ({@link PeerCursors.Source}, as
     * {@code SqliteRegistry} does), else in memory.
     */
    public Builder cursors(PeerCursors v) { cursors = v; return this; }

    /** Peers to gossip with from the start, by base URL. */
    public Builder peers(List<URI> v) { peers.clear(); peers.addAll(v); return this; }

    /** This node's own URL, never taken as a peer when a ServerRecord announces it. */
    public Builder self(URI v) { self = v; return this; }

    /** Time between rounds (default 10 s); also the first backoff step. */
    public Builder interval(Duration v) { interval = v; return this; }

    /** Longest wait before retrying a failing peer (default 5 min). */
    public Builder maxBackoff(Duration v) { maxBackoff = v; return this; }

    /** TCP connect timeout (default 2 s). */
    public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }

    /** Deadline of one request, body included (default 5 s). */
    public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }

    /** Records asked for per {@code tandem_records} call (default 256). */
    public Builder pageSize(int v) { pageSize = v; return this; }

    /** Records waiting to be pushed to one peer before the oldest is dropped (default 1024). */
    public Builder queueCapacity(int v) { queueCapacity = v; return this; }

    /** Peers, drawn at random, each newly stored record is pushed to (default 4). */
    public Builder pushFanout(int v) { pushFanout = v; return this; }

    /** Learned peers, drawn at random, pulled each round besides every configured one (default 3). */
    public Builder pullFanout(int v) { pullFanout = v; return this; }

    /** Whether ServerRecords' URLs become peers (default true). */
    public Builder learnPeers(boolean v) { learnPeers = v; return this; }

    public Gossip build() {
      return new Gossip(this);
    }
  }
}
