package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Methods;
import dev.tandem.registry.Registry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy between registries: every node pulls its peers' record logs and pushes what it newly stores, so a
 * record submitted anywhere reaches every node that is connected, however indirectly.
 *
 * <ul>
 *   <li><b>Pull.</b> Every {@code interval}, for each peer: {@code tandem_records} from the cursor stored for that
 *       peer, each record submitted locally (so validated: an invalid one is logged at WARN, counted and skipped,
 *       never stored), then the cursor saved with the id of the peer's log. Pulls repair whatever pushes lost.
 *   <li><b>New logs.</b> A peer whose log is not the one our cursor came from (a new database behind the same URL)
 *       is read again from the start: it answers with another log id, or (when it gives none) with a {@code next}
 *       lower than our cursor.
 *   <li><b>Push.</b> Each record newly stored locally, whoever stored it, is sent at once with
 *       {@code tandem_submitRecord} to every peer (but the one it was pulled from), through a bounded queue per peer
 *       that drops its oldest record when full.
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
  /** Pages pulled from one peer in one round at most, so one huge backlog does not hold a worker for long. */
  static final int MAX_PAGES_PER_ROUND = 64;
  /** The peer a record is being pulled from, set on the pulling thread so the push skips it. */
  private static final ThreadLocal<URI> PULLING_FROM = new ThreadLocal<>();

  private final Registry registry;
  private final PeerCursors cursors;
  private final Duration interval;
  private final Duration maxBackoff;
  private final int pageSize;
  private final int queueCapacity;
  private final boolean learnPeers;
  private final java.util.function.Predicate<URI> peerPolicy;
  private final int maxLearnedPeers;
  private final URI self;
  private final JsonRpcClient client;
  private final LogFollower follower = new LogFollower(Methods.RECORDS, "records", MAX_PAGES_PER_ROUND);
  private final Map<URI, Peer> peers = new ConcurrentHashMap<>();
  /** Server key → the URL its current record announces, for learned peers. Guarded by itself. */
  private final Map<PublicKey, URI> learned = new HashMap<>();

  private final ScheduledExecutorService timer;
  private final ExecutorService workers;
  private volatile boolean started;
  private volatile boolean closed;

  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong pulled = new AtomicLong();
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong pushed = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong stale = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  private Gossip(Builder b) {
    this.registry = Objects.requireNonNull(b.registry, "registry");
    this.cursors = b.cursors != null ? b.cursors
        : registry instanceof PeerCursors.Source source ? source.peerCursors() : PeerCursors.inMemory();
    this.interval = positive("interval", b.interval);
    this.maxBackoff = positive("maxBackoff", b.maxBackoff);
    if (b.pageSize < 1 || b.pageSize > RegistryRpc.MAX_LIMIT) {
      throw new IllegalArgumentException("pageSize must be 1 to " + RegistryRpc.MAX_LIMIT + ", got " + b.pageSize);
    }
    this.pageSize = b.pageSize;
    if (b.queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be 1 or more, got " + b.queueCapacity);
    }
    this.queueCapacity = b.queueCapacity;
    this.learnPeers = b.learnPeers;
    this.peerPolicy = b.peerPolicy;
    this.maxLearnedPeers = b.maxLearnedPeers;
    this.self = b.self == null ? null : NodeUrls.peer(b.self);
    for (URI p : b.peers) {
      URI base = NodeUrls.peer(p);
      if (!base.equals(self)) {
        add(base, true);
      }
    }
    this.client = b.transport != null ? new JsonRpcClient(b.transport, positive("requestTimeout", b.requestTimeout))
        : new JsonRpcClient(positive("connectTimeout", b.connectTimeout), positive("requestTimeout", b.requestTimeout));
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("tandem-gossip")
        .factory());
    this.workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-gossip-", 0).factory());
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
      registry.servers().forEach(this::learn);
    }
    timer.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("gossip started with {} peers, every {} ms", peers.size(), interval.toMillis());
  }

  /**
   * Adds a peer by its base URL (the node's {@code /rpc} is below it). It stays until {@link #removePeer}.
   *
   * @return whether it was new
   * @throws IllegalArgumentException when {@code url} is not an http(s) URL
   */
  public boolean addPeer(URI url) {
    URI base = NodeUrls.peer(url);
    if (base.equals(self)) {
      return false;
    }
    Peer existing = peers.get(base);
    if (existing != null) {
      existing.configured = true; // now named explicitly: no longer goes away with the ServerRecord
      return false;
    }
    return add(base, true);
  }

  /** Stops gossiping with a peer; returns whether it was one. */
  public boolean removePeer(URI url) {
    Peer peer = peers.remove(NodeUrls.peer(url));
    if (peer == null) {
      return false;
    }
    peer.removed = true;
    peer.clearQueue();
    LOG.info("gossip peer {} removed", peer);
    return true;
  }

  /** The peers gossiped with now, configured and learned, in no particular order. */
  public List<URI> peers() {
    return List.copyOf(peers.keySet());
  }

  /** The counters since start. */
  public GossipStats stats() {
    return new GossipStats(rounds.get(), pulled.get(), stored.get(), pushed.get(), rejected.get(), stale.get(),
        dropped.get(), failures.get(), peers.size());
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
    workers.shutdownNow();
    client.close();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean add(URI base, boolean configured) {
    Peer fresh = new Peer(base, configured, queueCapacity);
    if (peers.putIfAbsent(base, fresh) != null) {
      return false;
    }
    LOG.info("gossip peer {} added{}", base, configured ? "" : " (learned from its server record)");
    return true;
  }

  // --- learning peers from ServerRecords ------------------------------------------------------------------------

  private void learn(ServerRecord server) {
    URI url;
    try {
      url = NodeUrls.peer(server.url());
    } catch (IllegalArgumentException e) {
      return; // records only carry http(s) URLs, but a URL we cannot use is no reason to fail the store
    }
    URI gone;
    synchronized (learned) {
      URI before = server.retired() ? learned.remove(server.key()) : learned.put(server.key(), url);
      gone = before != null && (server.retired() || !before.equals(url)) ? before : null;
      if (gone != null && learned.containsValue(gone)) {
        gone = null; // another server still announces that URL
      }
    }
    if (gone != null) {
      Peer old = peers.get(gone);
      if (old != null && !old.configured) {
        removePeer(gone);
      }
    }
    if (!server.retired() && !url.equals(self) && !peers.containsKey(url)) {
      if (!peerPolicy.test(url)) {
        LOG.debug("not gossiping with {}: the peer policy refuses its address", url);
        return;
      }
      if (makeRoomForLearned()) {
        add(url, false);
      }
    }
  }

  /**
   * Whether a newly learned peer may be added: yes below {@code maxLearnedPeers}; at the cap, only by evicting the
   * least useful learned peer, one that is failing (most consecutive failures). Healthy peers are never evicted for
   * a newcomer, so a flood of records cannot push out the peers that work.
   */
  private synchronized boolean makeRoomForLearned() {
    List<Peer> learnedPeers = peers.values().stream().filter(p -> !p.configured).toList();
    if (learnedPeers.size() < maxLearnedPeers) {
      return true;
    }
    Peer worst = learnedPeers.stream().max(java.util.Comparator.comparingInt(Peer::failures)).orElse(null);
    if (worst == null || worst.failures() == 0) {
      LOG.debug("not adding a learned peer: {} learned peers, all working", learnedPeers.size());
      return false;
    }
    LOG.info("gossip peer {} evicted ({} failures in a row) to make room for a newly learned one", worst,
        worst.failures());
    removePeer(worst.base);
    return true;
  }

  // --- push -----------------------------------------------------------------------------------------------------

  private void onStored(SignedRecord record) {
    if (closed) {
      return;
    }
    if (learnPeers && record instanceof ServerRecord server) {
      learn(server);
    }
    URI source = PULLING_FROM.get();
    for (Peer peer : peers.values()) {
      if (peer.base.equals(source)) {
        continue;
      }
      if (peer.enqueue(record)) {
        dropped.incrementAndGet();
      }
      if (peer.ready(System.nanoTime())) {
        drainLater(peer);
      }
    }
  }

  private void drainLater(Peer peer) {
    if (closed || !peer.pushing.compareAndSet(false, true)) {
      return;
    }
    try {
      workers.execute(() -> drain(peer));
    } catch (RejectedExecutionException e) {
      peer.pushing.set(false); // closing
    }
  }

  private void drain(Peer peer) {
    try {
      while (!closed && !peer.removed && peer.ready(System.nanoTime())) {
        SignedRecord record = peer.poll();
        if (record == null) {
          break;
        }
        try {
          client.call(peer.rpc, Methods.SUBMIT_RECORD, Methods.submitRecord(record.toJson(), null, null));
          pushed.incrementAndGet();
          succeeded(peer);
        } catch (JsonRpcClient.RpcError e) {
          // Reached, and refused: typically it already holds a newer record for that server. Its pulls sort it out.
          pushed.incrementAndGet();
          succeeded(peer);
          LOG.debug("peer {} refused {}: {}", peer, record, e.getMessage());
        } catch (IOException e) {
          peer.pushBack(record);
          failed(peer, "push", e);
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("pushing to {} failed: {}", peer, e.toString(), e);
    } finally {
      peer.pushing.set(false);
    }
    // A record queued after the loop found the queue empty, and before pushing was cleared, would wait for the next
    // round: look once more.
    if (!closed && !peer.removed && peer.hasQueued() && peer.ready(System.nanoTime())) {
      drainLater(peer);
    }
  }

  // --- pull -----------------------------------------------------------------------------------------------------

  /** One round: a pull from every peer out of backoff that is not already being pulled, and any pending pushes. */
  private void round() {
    try {
      rounds.incrementAndGet();
      long now = System.nanoTime();
      for (Peer peer : peers.values()) {
        if (!peer.ready(now)) {
          continue;
        }
        if (peer.pulling.compareAndSet(false, true)) {
          try {
            workers.execute(() -> pull(peer));
          } catch (RejectedExecutionException e) {
            peer.pulling.set(false);
            return; // closing
          }
        }
        if (peer.hasQueued()) {
          drainLater(peer);
        }
      }
    } catch (RuntimeException e) {
      // An exception would cancel the periodic task: log it and keep gossiping.
      LOG.warn("gossip round failed: {}", e.toString(), e);
    }
  }

  private void pull(Peer peer) {
    try {
      follower.follow(cursors.position(peer.base),
          cursor -> client.call(peer.rpc, Methods.RECORDS, Methods.page(cursor, pageSize)),
          json -> {
            accept(peer, json);
            return true;
          },
          (to, restart) -> {
            if (restart != null) {
              LOG.info("peer {} has {}; pulling its records from the start", peer, restart);
            }
            cursors.save(peer.base, to);
          },
          () -> !closed && !peer.removed);
      succeeded(peer);
    } catch (JsonRpcClient.RpcError e) {
      failed(peer, "pull", new IOException("it answered tandem_records with an error: " + e.getMessage()));
    } catch (IOException e) {
      failed(peer, "pull", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The local store failed (disk, closed): keep the cursor where it is and try again next round.
      if (!closed) {
        LOG.warn("pulling from {} stopped: {}", peer, e.toString(), e);
      }
    } finally {
      peer.pulling.set(false);
    }
  }

  /** Validates and stores one pulled record; an invalid one is counted and logged, never stored. */
  private void accept(Peer peer, JsonNode json) {
    pulled.incrementAndGet();
    SignedRecord record;
    try {
      record = SignedRecord.fromJson(json);
    } catch (RecordException e) {
      rejected.incrementAndGet();
      LOG.warn("rejected a record from {}: {}", peer, e.getMessage());
      return;
    }
    PULLING_FROM.set(peer.base);
    try {
      if (registry.submit(record, peer.base.toString()) == Registry.Submitted.STORED) {
        stored.incrementAndGet();
      }
    } catch (RecordException e) {
      if (supersededLocally(record)) {
        stale.incrementAndGet();
        LOG.debug("{} from {} is older than the stored one", record, peer);
      } else {
        rejected.incrementAndGet();
        LOG.warn("rejected {} from {}: {}", record, peer, e.getMessage());
      }
    } finally {
      PULLING_FROM.remove();
    }
  }

  /** A valid ServerRecord that lost a race to a newer one: normal in gossip, not the peer's fault. */
  private boolean supersededLocally(SignedRecord record) {
    return record instanceof ServerRecord s
        && registry.server(s.key()).map(current -> current.seq() > s.seq()).orElse(false);
  }

  // --- backoff --------------------------------------------------------------------------------------------------

  private void succeeded(Peer peer) {
    if (peer.succeeded()) {
      LOG.info("peer {} is reachable again", peer);
    }
  }

  private void failed(Peer peer, String what, IOException e) {
    failures.incrementAndGet();
    Duration backoff = peer.failed(interval, maxBackoff);
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (peer.failures() == 1) {
      LOG.warn("gossip {} with {} failed: {}; retrying in {} ms", what, peer, reason, backoff.toMillis());
    } else {
      LOG.debug("gossip {} with {} failed again ({} times): {}; retrying in {} ms", what, peer, peer.failures(),
          reason, backoff.toMillis());
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
    private java.util.function.Predicate<URI> peerPolicy = u -> true;
    private int maxLearnedPeers = 128;
    private Transport transport;

    private Builder() {}

    /** Which URLs learned from ServerRecords may become peers (configured peers always are); default all. */
    public Builder peerPolicy(java.util.function.Predicate<URI> v) { peerPolicy = v; return this; }

    /** Most peers learned from ServerRecords (default 128); past it the least useful is evicted. */
    public Builder maxLearnedPeers(int v) { maxLearnedPeers = v; return this; }

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

    /** Whether ServerRecords' URLs become peers (default true). */
    public Builder learnPeers(boolean v) { learnPeers = v; return this; }

    public Gossip build() {
      return new Gossip(this);
    }
  }
}
