package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Judgement;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.store.EvidenceTable;
import dev.tandem.node.store.NodeDb;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls the convicting evidence a node missed: evidence is forwarded once, so a node that was down or cut off when it
 * went round would never convict the liar. Every {@code interval}, for each peer, this reads the peer's
 * {@code tandem_evidence} ({@link EvidenceFeed}) from the cursor stored for it in {@code node.db} and hands each item
 * to {@link EvidenceHandler#receivePulled}: checked and re-run like submitted evidence, never forwarded again (other
 * nodes pull it themselves).
 *
 * <ul>
 *   <li><b>Bounded.</b> At most {@code pagesPerPeer} pages from one peer and {@code itemsPerRound} items in a round,
 *       taken one after another on this task's single thread (re-runs cost CPU, and the handler bounds them too).
 *       The peer a round starts with rotates, so a long backlog at one peer does not starve the others.
 *   <li><b>Cursors</b> are saved after each page, with the id of the peer's log they belong to, so a restart resumes
 *       where it stopped. A peer with a new log (its {@code node.db} was replaced) is read again from 0: it names
 *       another {@code log} than the stored one, or (when it names none) answers with a {@code next} lower than the
 *       cursor sent.
 *   <li><b>Items</b> that are not valid evidence are dropped, penalizing nobody: the peer relays what it stored. An
 *       item that cannot be judged yet (its service record or module not here yet) holds the peer's cursor before
 *       its page until it can be, or until it has been tried for {@code max(5 intervals, 2 min)}; when re-runs stay
 *       busy the round ends and the cursors stay where they were.
 *   <li><b>Failures.</b> Any failure with a peer (unreachable, an error, an answer of the wrong shape) is logged at
 *       DEBUG and the peer skipped for a number of rounds that doubles with each consecutive failure, up to
 *       {@code maxBackoff}; it never stops the round for the other peers.
 * </ul>
 */
public final class EvidenceSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceSync.class);
  /** An unjudgeable item holds its peer's cursor for at least this long, and for five rounds. */
  private static final Duration MIN_HOLD = Duration.ofMinutes(2);
  /** The largest {@code tandem_evidence} answer read: a page stops at about 4 MiB plus its last item. */
  private static final int MAX_ANSWER_BYTES = 32 << 20;

  private final EvidenceHandler handler;
  private final EvidenceTable cursors;
  private final Supplier<List<URI>> peers;
  private final Settings settings;
  private final JsonRpcClient rpc;
  private final LogFollower follower;
  private final ScheduledExecutorService timer;
  /** Guarded by {@code this}: only rounds touch it, and rounds never overlap. */
  private final Map<URI, PeerState> states = new HashMap<>();
  private volatile boolean closed;

  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong pulled = new AtomicLong();
  private final AtomicLong convicted = new AtomicLong();
  private final AtomicLong known = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  /**
   * How the sync runs.
   *
   * @param interval time between rounds; also the unit of a failing peer's backoff
   * @param pageSize items asked for per {@code tandem_evidence} call (1 to {@link EvidenceFeed#MAX_LIMIT})
   * @param pagesPerPeer pages read from one peer in one round at most
   * @param itemsPerRound items taken from all peers in one round at most
   * @param maxBackoff the longest a failing peer is left alone
   * @param requestTimeout deadline of one call, answer included
   */
  public record Settings(Duration interval, int pageSize, int pagesPerPeer, int itemsPerRound, Duration maxBackoff,
      Duration requestTimeout) {
    public Settings {
      positive("interval", interval);
      positive("maxBackoff", maxBackoff);
      positive("requestTimeout", requestTimeout);
      if (pageSize < 1 || pageSize > EvidenceFeed.MAX_LIMIT) {
        throw new IllegalArgumentException("pageSize must be 1 to " + EvidenceFeed.MAX_LIMIT + ", got " + pageSize);
      }
      if (pagesPerPeer < 1 || itemsPerRound < 1) {
        throw new IllegalArgumentException("pagesPerPeer and itemsPerRound must be 1 or more, got " + pagesPerPeer
            + " and " + itemsPerRound);
      }
    }

    /** The defaults for a round every {@code interval}: pages of 50, 4 pages a peer, 100 items a round, 3 min. */
    public static Settings every(Duration interval) {
      return new Settings(interval, EvidenceFeed.MAX_LIMIT, 4, 100, Duration.ofMinutes(3), Duration.ofSeconds(10));
    }

    private static void positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
      }
    }
  }

  /**
   * Counters since start.
   *
   * @param rounds rounds run
   * @param pulled items received from peers
   * @param convicted items this node judged and that convicted someone
   * @param known items this node had judged already
   * @param dropped items that were not valid evidence
   * @param held times an item could not be judged yet and held its peer's cursor
   * @param failures failed pulls (a peer unreachable, answering an error or garbage)
   */
  public record Stats(long rounds, long pulled, long convicted, long known, long dropped, long held,
      long failures) {}

  /**
   * A sync that has not started yet.
   *
   * @param handler where pulled evidence is judged
   * @param db where the cursors are kept (table {@code evidence_peers})
   * @param peers the peers to pull from, asked again every round; never this node itself
   * @param http the HTTP client to call them with
   */
  public EvidenceSync(EvidenceHandler handler, NodeDb db, Supplier<List<URI>> peers, HttpClient http,
      Settings settings) {
    this.handler = handler;
    this.cursors = new EvidenceTable(db);
    this.peers = peers;
    this.settings = settings;
    this.rpc = new JsonRpcClient(http, settings.requestTimeout(), MAX_ANSWER_BYTES);
    this.follower = new LogFollower(Methods.EVIDENCE, "evidence", settings.pagesPerPeer());
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
        .name("tandem-evidence-sync").factory());
  }

  /** Runs a round every interval, the first one interval from now (after gossip has brought the registry in). */
  public void start() {
    long every = settings.interval().toMillis();
    timer.scheduleWithFixedDelay(this::round, every, every, TimeUnit.MILLISECONDS);
    LOG.info("evidence sync every {} ms", every);
  }

  /** The counters since start. */
  public Stats stats() {
    return new Stats(rounds.get(), pulled.get(), convicted.get(), known.get(), dropped.get(), held.get(),
        failures.get());
  }

  /** The position stored for {@code peer}. */
  public LogPosition position(URI peer) {
    return cursors.cursor(NodeUrls.base(peer).toString());
  }

  /** One round over every peer; runs on the task's thread, and may be called directly (rounds never overlap). */
  synchronized void round() {
    if (closed) {
      return;
    }
    try {
      long round = rounds.getAndIncrement();
      List<URI> targets = targets();
      states.keySet().retainAll(targets);
      int budget = settings.itemsPerRound();
      for (int i = 0; i < targets.size() && budget > 0 && !closed; i++) {
        URI peer = targets.get((int) ((round + i) % targets.size()));
        PeerState state = states.computeIfAbsent(peer, p -> new PeerState());
        if (state.skip > 0) {
          state.skip--;
          continue;
        }
        try {
          budget -= pull(peer, state, budget);
          state.failures = 0;
        } catch (Busy e) {
          LOG.debug("evidence re-runs are busy; the evidence sync resumes next round");
          return;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          if (closed) {
            return;
          }
          failures.incrementAndGet();
          state.failed(maxSkip());
          LOG.debug("pulling evidence from {} failed ({} in a row; next try in {} rounds): {}", peer,
              state.failures, state.skip + 1, e.toString());
        }
      }
    } catch (RuntimeException e) {
      // An exception would cancel the periodic task: log it and keep going next round.
      LOG.warn("evidence sync round failed: {}", e.toString(), e);
    }
  }

  /** The peers of this round, as base URLs without a trailing slash, each once. */
  private List<URI> targets() {
    Set<URI> out = new LinkedHashSet<>();
    for (URI u : peers.get()) {
      out.add(NodeUrls.base(u));
    }
    return new ArrayList<>(out);
  }

  /** Rounds a failing peer is skipped at most, so that retries are no further apart than {@code maxBackoff}. */
  private int maxSkip() {
    return (int) Math.max(0, settings.maxBackoff().toMillis() / settings.interval().toMillis() - 1);
  }

  /** Pulls pages from one peer; returns how many items it took. */
  private int pull(URI peer, PeerState state, int budget)
      throws IOException, JsonRpcClient.RpcError, InterruptedException, Busy {
    int[] taken = {0};
    URI endpoint = NodeUrls.rpc(peer);
    LogFollower.Result end = follower.follow(position(peer),
        cursor -> rpc.call(endpoint, Methods.EVIDENCE,
            Methods.page(cursor, Math.min(settings.pageSize(), budget - taken[0]))),
        item -> {
          taken[0]++;
          pulled.incrementAndGet();
          return take(peer, state, item); // false: held, the cursor stays before this page, read again next round
        },
        (to, restart) -> {
          if (restart != null) {
            LOG.info("peer {} has {}; pulling its evidence from the start", peer, restart);
          }
          saveCursor(peer, to);
        },
        () -> taken[0] < budget && !closed);
    if (!end.stopped()) {
      state.held = null; // every page read is judged: nothing holds the cursor any more
    }
    return taken[0];
  }

  /** Judges one item; returns false when it must be tried again later (the peer's cursor must not pass it). */
  private boolean take(URI peer, PeerState state, JsonNode item) throws Busy {
    String key = Hashes.sha256Hex(item.toString().getBytes(StandardCharsets.UTF_8));
    try {
      EvidenceHandler.Receipt receipt = handler.receivePulled(item, peer);
      if (receipt.known()) {
        known.incrementAndGet();
      } else if (receipt.verdict().status().equals(Judgement.PENDING)) {
        return hold(peer, state, key, receipt.verdict().detail());
      } else if (receipt.verdict().status().equals(Judgement.CONVICTED)) {
        convicted.incrementAndGet();
      }
      return true;
    } catch (JsonRpc.Failure f) {
      if (f.code() == RpcErrors.OVERLOADED) {
        throw new Busy();
      }
      return hold(peer, state, key, f.getMessage());
    } catch (IllegalArgumentException e) {
      dropped.incrementAndGet();
      LOG.debug("dropped invalid evidence pulled from {}: {}", peer, e.getMessage());
      return true;
    } catch (RuntimeException e) {
      // A local failure (node.db) or one this item causes: retried like an item that cannot be judged yet.
      return hold(peer, state, key, e.toString());
    }
  }

  private boolean hold(URI peer, PeerState state, String key, String why) {
    held.incrementAndGet();
    long now = System.nanoTime();
    if (state.held == null || !state.held.key().equals(key)) {
      state.held = new Held(key, now, 0);
    }
    state.held = new Held(key, state.held.since(), state.held.rounds() + 1);
    long limit = Math.max(MIN_HOLD.toNanos(), 5 * settings.interval().toNanos());
    if (state.held.rounds() >= 5 && now - state.held.since() >= limit) {
      LOG.info("evidence {} from {} still cannot be judged ({}); moving past it", key.substring(0, 12), peer, why);
      state.held = null;
      return true;
    }
    LOG.debug("evidence {} from {} cannot be judged yet ({}); trying again next round", key.substring(0, 12), peer,
        why);
    return false;
  }

  private void saveCursor(URI peer, LogPosition position) {
    cursors.saveCursor(peer.toString(), position, System.currentTimeMillis());
  }

  /** Stops the task; a round in progress is interrupted, and waited for a little, before the database closes. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("the evidence sync did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An item holding a peer's cursor: since when, for how many rounds. */
  private record Held(String key, long since, int rounds) {}

  /** What a round remembers of a peer. */
  private static final class PeerState {
    int failures;
    int skip;
    Held held;

    void failed(int maxSkip) {
      failures++;
      skip = (int) Math.min((1L << Math.min(failures - 1, 30)) - 1, maxSkip);
    }
  }

  /** Re-runs stayed busy: end the round. */
  private static final class Busy extends Exception {
    Busy() {
      super(null, null, false, false);
    }
  }
}
