package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Methods;
import dev.tandem.node.store.EvidenceTable;
import dev.tandem.node.store.NodeDb;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 *       taken one after another by the sync's tasks (re-runs cost CPU, and the handler bounds them too).
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
 *   <li><b>Never blocking.</b> A round is a chain of tasks on a {@link Scheduler}: a page is asked for, and its
 *       answer taken, in a task of its own, so no thread waits for a peer. A node runs them on one thread of the
 *       sync's own; the simulation ({@code tandem simulate}) on its event loop, with its clock and network, so the
 *       same rounds run there.
 * </ul>
 */
public final class EvidenceSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceSync.class);
  /** An unjudgeable item holds its peer's cursor for at least this long, and for five rounds. */
  private static final Duration MIN_HOLD = Duration.ofMinutes(2);
  /** The largest {@code tandem_evidence} answer read: a page stops at about 4 MiB plus its last item. */
  private static final int MAX_ANSWER_BYTES = 32 << 20;

  private final EvidenceTable cursors;
  private final Supplier<List<URI>> peers;
  private final Settings settings;
  private final JsonRpcClient rpc;
  private final LogFollower follower;
  private final Clock clock;
  private final Scheduler scheduler;
  /** Where a page's answer is taken: as a task of the scheduler, dropped once the sync is closed. */
  private final Executor tasks;
  /** The thread of a sync that made its own ({@code null} when the host drives it). */
  private final ScheduledExecutorService timer;
  /** Only the scheduler's tasks touch it, one at a time; rounds never overlap. */
  private final Map<URI, PulledItems.PeerState> states = new HashMap<>();
  private volatile boolean closed;

  private final PulledItems items;
  private final AtomicLong rounds = new AtomicLong();
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

    /** A node's interval between rounds when none is configured. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

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
   * Runs tasks one at a time, each {@code delay} from now ({@code Duration.ZERO}: as soon as possible, after those
   * already due). A task must not be run after the sync was closed; one the scheduler refuses then is dropped.
   */
  @FunctionalInterface
  public interface Scheduler {
    void after(Duration delay, Runnable task);
  }

  /** Judges one pulled item: {@link EvidenceHandler#receivePulled} on a node. */
  @FunctionalInterface
  public interface Judge {
    EvidenceHandler.Receipt receivePulled(JsonNode item, URI from);
  }

  /**
   * A sync that has not started yet, on a thread of its own, over HTTP and the wall clock.
   *
   * @param handler where pulled evidence is judged
   * @param db where the cursors are kept (table {@code evidence_peers})
   * @param peers the peers to pull from, asked again every round; never this node itself
   * @param http the HTTP client to call them with
   */
  public EvidenceSync(EvidenceHandler handler, NodeDb db, Supplier<List<URI>> peers, HttpClient http,
      Settings settings) {
    this(handler::receivePulled, db, peers, Transport.http(http, MAX_ANSWER_BYTES), settings, Clock.systemUTC(),
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("tandem-evidence-sync")
            .factory()));
  }

  private EvidenceSync(Judge judge, NodeDb db, Supplier<List<URI>> peers, Transport transport, Settings settings,
      Clock clock, ScheduledExecutorService timer) {
    this(judge, db, peers, transport, settings, clock, (delay, task) -> timer.schedule(task, delay.toNanos(),
        TimeUnit.NANOSECONDS), timer);
  }

  /**
   * A sync driven by its host (the simulation): its rounds run as tasks of {@code scheduler}, its calls go through
   * {@code transport}, and {@code clock} times its cursors and held items.
   *
   * @param judge where pulled evidence is judged
   */
  public EvidenceSync(Judge judge, NodeDb db, Supplier<List<URI>> peers, Transport transport, Settings settings,
      Clock clock, Scheduler scheduler) {
    this(judge, db, peers, transport, settings, clock, scheduler, null);
  }

  private EvidenceSync(Judge judge, NodeDb db, Supplier<List<URI>> peers, Transport transport, Settings settings,
      Clock clock, Scheduler scheduler, ScheduledExecutorService timer) {
    this.items = new PulledItems(judge, clock, Math.max(MIN_HOLD.toMillis(), 5 * settings.interval().toMillis()));
    this.cursors = new EvidenceTable(db);
    this.peers = peers;
    this.settings = settings;
    this.rpc = new JsonRpcClient(transport, settings.requestTimeout());
    this.follower = new LogFollower(Methods.EVIDENCE, "evidence", settings.pagesPerPeer(),
        settings.pageSize());
    this.clock = clock;
    this.scheduler = scheduler;
    this.timer = timer;
    this.tasks = task -> schedule(Duration.ZERO, task);
  }

  /** Runs a round every interval, the first one interval from now (after gossip has brought the registry in). */
  public void start() {
    schedule(settings.interval(), this::round);
    LOG.info("evidence sync every {} ms", settings.interval().toMillis());
  }

  /** The counters since start. */
  public Stats stats() {
    return new Stats(rounds.get(), items.pulled.get(), items.convicted.get(), items.known.get(),
        items.dropped.get(), items.held.get(), failures.get());
  }

  /** The position stored for {@code peer}. */
  public LogPosition position(URI peer) {
    return cursors.cursor(NodeUrls.base(peer).toString());
  }

  private void schedule(Duration delay, Runnable task) {
    if (closed) {
      return;
    }
    try {
      scheduler.after(delay, task);
    } catch (RejectedExecutionException e) {
      if (!closed) {
        throw e;
      }
    }
  }

  /** One round over every peer, its peers taken one after another; the next round is due one interval after. */
  private void round() {
    if (closed) {
      return;
    }
    Round round;
    try {
      round = new Round(rounds.getAndIncrement(), targets(), settings.itemsPerRound());
      states.keySet().retainAll(round.targets);
    } catch (RuntimeException e) {
      LOG.warn("evidence sync round failed: {}", e.toString(), e);
      schedule(settings.interval(), this::round);
      return;
    }
    peer(round, 0);
  }

  /** Pulls from the {@code i}-th peer of the round that is not being left alone, or ends the round. */
  private void peer(Round round, int i) {
    try {
      for (int at = i; at < round.targets.size() && round.budget > 0 && !closed; at++) {
        URI peer = round.targets.get((int) ((round.number + at) % round.targets.size()));
        PulledItems.PeerState state = states.computeIfAbsent(peer, p -> new PulledItems.PeerState());
        if (state.skip > 0) {
          state.skip--;
          continue;
        }
        int next = at + 1;
        pull(peer, state, round.budget).whenCompleteAsync((taken, failure) -> pulled(round, next, peer, state,
            taken, failure), tasks);
        return;
      }
    } catch (RuntimeException e) {
      // Whatever failed, the rounds go on: a lost round would stop the sync for good.
      LOG.warn("evidence sync round failed: {}", e.toString(), e);
    }
    schedule(settings.interval(), this::round);
  }

  private void pulled(Round round, int next, URI peer, PulledItems.PeerState state, Integer taken, Throwable failure) {
    Throwable e = failure == null ? null : LogFollower.unwrap(failure);
    if (e == null) {
      round.budget -= taken;
      state.failures = 0;
    } else if (e instanceof PulledItems.Busy) {
      LOG.debug("evidence re-runs are busy; the evidence sync resumes next round");
      schedule(settings.interval(), this::round);
      return;
    } else if (!closed) {
      failures.incrementAndGet();
      state.failed(maxSkip());
      LOG.debug("pulling evidence from {} failed ({} in a row; next try in {} rounds): {}", peer,
          state.failures, state.skip + 1, e.toString());
    }
    peer(round, next);
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

  /** Pulls pages from one peer; completes with how many items it took. */
  private CompletableFuture<Integer> pull(URI peer, PulledItems.PeerState state, int budget) {
    int[] taken = {0};
    URI endpoint = NodeUrls.rpc(peer);
    return follower.followAsync(position(peer),
        cursor -> deadline(rpc.callAsync(endpoint, Methods.EVIDENCE,
            Methods.page(cursor, Math.min(settings.pageSize(), budget - taken[0])))),
        item -> {
          taken[0]++;
          return items.take(peer, state, item); // false: held, the cursor stays before this page, read again next round
        },
        (to, restart) -> {
          if (restart != null) {
            LOG.info("peer {} has {}; pulling its evidence from the start", peer, restart);
          }
          saveCursor(peer, to);
        },
        () -> taken[0] < budget && !closed, tasks)
        .thenApply(end -> {
          if (!end.stopped()) {
            state.held = null; // every page read is judged: nothing holds the cursor any more
          }
          return taken[0];
        });
  }

  /** Fails {@code pending} when no whole answer came within the request timeout (a peer may trickle its body). */
  private <T> CompletableFuture<T> deadline(CompletableFuture<T> pending) {
    long ms = settings.requestTimeout().toMillis();
    schedule(settings.requestTimeout(), () -> pending.completeExceptionally(
        new IOException("no complete answer within " + ms + " ms")));
    return pending;
  }

  private void saveCursor(URI peer, LogPosition position) {
    cursors.saveCursor(peer.toString(), position, clock.millis());
  }

  /**
   * Stops the rounds: no task of this sync runs after this returns (a round in progress on its own thread is
   * interrupted, and waited for a little, before the database closes).
   */
  @Override
  public void close() {
    closed = true;
    if (timer == null) {
      return;
    }
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("the evidence sync did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A round in progress: which one, its peers, and how many more items it may take. */
  private static final class Round {
    final long number;
    final List<URI> targets;
    int budget;

    Round(long number, List<URI> targets, int budget) {
      this.number = number;
      this.targets = targets;
      this.budget = budget;
    }
  }
}
