package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.referee.Referee;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.Scores;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.Methods;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Convictions made anywhere the client can see: the bootstrap nodes' {@code tandem_evidence} feeds (each node pulls
 * its peers' evidence too), read when the client starts and then whenever the directory is refreshed (in the
 * background, once older than the refresh interval; explicitly with {@link TandemClient#refresh}). A node's word
 * is never taken: each item's signatures and hashes are checked, and the client re-runs the disputed request with its
 * referee; every signer of another answer than the re-run's is convicted in the client's own scores (and so
 * persisted with them). Items whose signers are all blacklisted here already cost no re-run; items the referee
 * cannot judge (no service record, no module, inputs by CID) convict nobody; {@code --referee none}
 * reads no feed.
 *
 * <p>How far each feed was read is kept with the scores ({@link Scores#storeFeedPositions}), so a client with a
 * scores file reads only what is new; a fresh client reads every feed from the start. Bounded per pull: at most
 * {@value #MAX_PAGES} pages of {@value #PAGE} items from each node, and in the CPU its re-runs take. Items are
 * evidence that nodes judged and stored, and anyone can register a service whose every call runs for its whole time
 * limit (up to two minutes), then get evidence of such a call stored, which every client reading the feed would
 * re-run. So:
 *
 * <ul>
 *   <li>an item whose service's {@code limits.timeoutMs} is over the client's cap (default {@link #MAX_RERUN_TIMEOUT})
 *       is passed over: never re-run here, counted ({@link Stats#passedOver}) and logged, and read past like a judged
 *       one. The nodes judge it; this client cannot afford to. The same for a service that may use more than
 *       {@value #MAX_RERUN_MEMORY_PAGES} pages of memory (256 MiB), and for a module heavier to load than
 *       {@link #MAX_RERUN_LOAD_WEIGHT} (read from its headers once fetched, before it is parsed);
 *   <li>one pull re-runs items for at most its budget of wall time (default {@link #RERUN_BUDGET}). The first re-run of
 *       a pull always runs, and the one that spends the budget ends, so a pull may go over it by one re-run (itself
 *       within the cap). Then the pull stops, and that node's position stays before the page it stopped in: the next
 *       pull reads the page again, the items of it already taken are remembered and cost nothing, and the others are
 *       judged then. The budget never makes the feed read past an item.
 * </ul>
 *
 * <p>Pulls run one at a time, under a lock of their own that no call takes: a pull does its network I/O and re-runs
 * while calls go on ({@link Refresher} runs the later ones in the background).
 */
final class ConvictionFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ConvictionFeed.class);
  static final int PAGE = 50;
  static final int MAX_PAGES = 4;
  /** The re-run wall time one pull spends at most, unless the builder says otherwise. */
  static final Duration RERUN_BUDGET = Duration.ofSeconds(5);
  /** The longest {@code limits.timeoutMs} of a service whose evidence this client re-runs, unless the builder says. */
  static final Duration MAX_RERUN_TIMEOUT = Duration.ofSeconds(10);
  /**
   * The most memory, in 64 KiB pages (256 MiB), that a service whose evidence this client re-runs may use: a
   * stranger's service may take its whole 2 GiB, which a client's heap should not give to a feed.
   */
  static final int MAX_RERUN_MEMORY_PAGES = 4096;
  /**
   * Heaviest module the feed loads ({@link dev.tandem.sandbox.ModuleShape#loadWeight}, code plus metering, 1 MiB):
   * any key can register a service, and a module of 8 MB of code takes this JVM 12–25 s and up to a gigabyte of heap
   * to load. The nodes judge the rest.
   */
  static final long MAX_RERUN_LOAD_WEIGHT = 1 << 20;
  /** Evidence ids taken by this client, remembered so that the same item from several nodes is taken once. */
  private static final int JUDGED_ENTRIES = 4096;
  private static final LogFollower FOLLOWER = new LogFollower(Methods.EVIDENCE, "evidence", MAX_PAGES, PAGE);

  private final List<URI> nodes;
  private final Transport transport;
  private final Duration timeout;
  private final Duration interval;
  private final Clock clock;
  private final Directory directory;
  private final Scores scores;
  private final Referee referee;
  private final boolean enabled;
  private final long budgetNanos;
  private final long maxTimeoutMs;
  /** Held for the whole of a pull, and by no call: pulls run one at a time. Guards the positions and ids taken. */
  private final ReentrantLock pulling = new ReentrantLock();
  private final Map<URI, LogPosition> positions = new HashMap<>();
  /**
   * Ids of items taken here: judged, re-run without a verdict, or passed over. A page read again after a pull stopped
   * in it costs no second re-run of its first items.
   */
  private final Map<String, Boolean> judged = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > JUDGED_ENTRIES;
    }
  };
  private final AtomicLong read = new AtomicLong();
  private final AtomicLong convictions = new AtomicLong();
  private final AtomicLong passedOver = new AtomicLong();
  private volatile long lastPull;
  private volatile boolean pulledOnce;
  private volatile boolean closed;

  /**
   * A feed of {@code nodes}' evidence; {@code enabled} false (no bootstrap nodes, or a client that never re-runs)
   * makes every pull a no-op.
   *
   * @param rerunBudget     the re-run wall time one pull spends at most
   * @param maxRerunTimeout the longest service time limit of an item re-run here
   */
  ConvictionFeed(List<URI> nodes, Transport transport, Duration timeout, Duration interval, Clock clock,
      Directory directory, Scores scores, Referee referee, boolean enabled, Duration rerunBudget,
      Duration maxRerunTimeout) {
    this.nodes = nodes.stream().map(NodeUrls::base).distinct().toList();
    this.transport = transport;
    this.timeout = timeout;
    this.interval = interval;
    this.clock = clock;
    this.directory = directory;
    this.scores = scores;
    this.referee = referee;
    this.enabled = enabled && !this.nodes.isEmpty();
    this.budgetNanos = rerunBudget.toNanos();
    this.maxTimeoutMs = maxRerunTimeout.toMillis();
  }

  /** Whether a pull is due: it never pulled, or the last pull is older than the refresh interval. */
  boolean stale() {
    return enabled && !closed && (!pulledOnce || clock.millis() - lastPull >= interval.toMillis());
  }

  /**
   * Pulls when one is due. A caller that finds a pull in flight waits for it, then pulls only if one is still due:
   * callers that need the first pull all have it, and none makes a second.
   */
  void pullIfStale() {
    if (stale()) {
      pulling.lock();
      try {
        if (stale()) {
          pullHeld();
        }
      } finally {
        pulling.unlock();
      }
    }
  }

  /**
   * Reads every node's feed from where it was left and judges what is new, after the pull in flight if there is one.
   * Failures are logged, never thrown.
   */
  void pull() {
    if (!enabled) {
      return;
    }
    pulling.lock();
    try {
      pullHeld();
    } finally {
      pulling.unlock();
    }
  }

  /** Stops pulling: a pull in flight stops before its next re-run and stores no position; none starts after. */
  void close() {
    closed = true;
  }

  /** One pull, with {@link #pulling} held. */
  private void pullHeld() {
    if (closed) {
      return;
    }
    if (!pulledOnce) {
      positions.putAll(scores.feedPositions());
    }
    lastPull = clock.millis();
    pulledOnce = true;
    JsonRpcClient rpc = new JsonRpcClient(transport, timeout);
    Map<URI, LogPosition> moved = new HashMap<>();
    Run run = new Run();
    for (URI node : nodes) {
      try {
        LogFollower.Result end = FOLLOWER.follow(positions.getOrDefault(node, LogPosition.START),
            cursor -> rpc.call(NodeUrls.rpc(node), Methods.EVIDENCE, Methods.page(cursor, PAGE)),
            item -> take(item, node, run),
            (to, restart) -> {
              if (restart != null) {
                LOG.debug("node {} has {}; reading its evidence from the start", node, restart);
              }
            }, () -> goesOn(run)); // once the budget is spent, no more pages: the next pull reads them
        if (!end.position().equals(positions.get(node))) {
          positions.put(node, end.position());
          moved.put(node, end.position());
        }
      } catch (IOException | JsonRpcClient.RpcError e) {
        LOG.debug("cannot read the evidence feed of {}: {}", node, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (!moved.isEmpty() && !closed) { // a closing client's scores may be closed already: read again next time
      scores.storeFeedPositions(moved);
    }
    if (run.passedOver > 0) {
      LOG.info("passed over {} evidence items of services that may run longer than the {} ms this client re-runs "
          + "evidence for: the nodes judge them", run.passedOver, maxTimeoutMs);
    }
    if (run.stopped) {
      LOG.debug("the evidence feed's re-run budget is spent ({} re-runs, {} ms): the next pull judges the rest",
          run.reruns, run.spentNanos / 1_000_000);
    }
  }

  /** What one pull has spent on re-runs. */
  private static final class Run {
    long spentNanos;
    int reruns;
    int passedOver;
    boolean stopped;
  }

  /**
   * Whether the pull may start another re-run: its first always (so every pull judges something, whatever a re-run
   * costs), then while its budget lasts; never once the client is closing.
   */
  private boolean goesOn(Run run) {
    return !closed && !Thread.currentThread().isInterrupted() && (run.reruns == 0 || run.spentNanos < budgetNanos);
  }

  /**
   * Takes one item: checked, re-run here, and every signer of another answer than the re-run's convicted. False
   * stops the pull before it (its budget spent, or the client closing): the position stays before its page.
   */
  private boolean take(JsonNode item, URI from, Run run) {
    read.incrementAndGet();
    Evidence evidence;
    try {
      evidence = Evidence.fromJson(item).check();
    } catch (IllegalArgumentException e) {
      LOG.debug("invalid evidence in the feed of {}: {}", from, e.getMessage());
      return true;
    }
    String id = evidence.id();
    if (judged.containsKey(id)) {
      return true;
    }
    List<PublicKey> open = evidence.attestations().stream().map(Attestation::server).distinct()
        .filter(k -> !scores.blacklisted(k)).toList();
    if (open.isEmpty()) {
      judged.put(id, true); // everyone it names is blacklisted here already: no re-run needed
      return true;
    }
    Optional<ServiceRecord> known = directory.service(evidence.service());
    if (known.isEmpty() && !closed && run.spentNanos < budgetNanos) {
      // A client that looks services up knows those it called: the others' records are looked up, in the budget.
      long start = System.nanoTime();
      try {
        directory.lookUpOnce(evidence.service());
      } catch (RuntimeException e) {
        LOG.debug("service {} of evidence {} not looked up: {}", evidence.service(), id, e.toString());
      } finally {
        run.spentNanos += System.nanoTime() - start;
      }
      known = directory.service(evidence.service());
    }
    Optional<ServiceRecord> service = known;
    if (service.isEmpty()) {
      LOG.debug("evidence {} from {} names service {}, unknown here: not judged", id, from, evidence.service());
      return true;
    }
    int limit = service.get().limits().timeoutMs();
    int pages = service.get().limits().memoryPages();
    if (limit > maxTimeoutMs || pages > MAX_RERUN_MEMORY_PAGES) {
      judged.put(id, false); // counted once, however often it is read
      passedOver.incrementAndGet();
      run.passedOver++;
      LOG.debug("evidence {} from {} passed over: service {} may run {} ms with {} pages, over the {} ms and {} pages "
          + "re-run here", id, from, evidence.service(), limit, pages, maxTimeoutMs, MAX_RERUN_MEMORY_PAGES);
      return true;
    }
    if (!goesOn(run)) {
      run.stopped = true;
      return false;
    }
    Supplier<List<URI>> sources = () -> directory.moduleSources(service.get(), evidence.service(), scores);
    if (referee.tooHeavy(service.get(), sources, MAX_RERUN_LOAD_WEIGHT)) {
      judged.put(id, false);
      passedOver.incrementAndGet();
      run.passedOver++;
      LOG.debug("evidence {} from {} passed over: the module of service {} weighs more than {} bytes to load",
          id, from, evidence.service(), MAX_RERUN_LOAD_WEIGHT);
      return true;
    }
    long start = System.nanoTime();
    Referee.Rerun rerun = referee.rerun(service.get(), evidence.service(), evidence.request(), sources);
    run.spentNanos += System.nanoTime() - start;
    run.reruns++;
    if (closed) {
      return false; // the client closed during the re-run: its scores may be closed, the next client judges it
    }
    // Taken even without a verdict: a re-run that fails (a module nobody serves) fails again, and trying it on every
    // pull that reads its page again would spend each pull's budget on it and never reach the items after it.
    judged.put(id, true);
    if (!(rerun instanceof Referee.Rerun.Done done)) {
      LOG.debug("evidence {} from {} not judged: {}", id, from, ((Referee.Rerun.Failed) rerun).reason());
      return true;
    }
    List<PublicKey> wrong = new ArrayList<>();
    for (Attestation a : evidence.attestations()) {
      if (!a.responseHash().equals(done.responseHash()) && open.contains(a.server()) && !wrong.contains(a.server())) {
        wrong.add(a.server());
      }
    }
    for (PublicKey liar : wrong) {
      scores.convict(liar);
      convictions.incrementAndGet();
      LOG.info("convicted {} on evidence from {}'s feed, re-run here: it signed another answer than {}", liar, from,
          Dispute.shortHash(done.responseHash()));
    }
    return true;
  }

  /**
   * Counters since the client started.
   *
   * @param read        items read from the feeds
   * @param convictions servers convicted here because of them
   * @param passedOver  items never re-run here because their service may run longer than the client's cap
   */
  record Stats(long read, long convictions, long passedOver) {}

  Stats stats() {
    return new Stats(read.get(), convictions.get(), passedOver.get());
  }
}
