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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Convictions made anywhere the client can see: the bootstrap nodes' {@code tandem_evidence} feeds (each node pulls
 * its peers' evidence too), read when the client starts and then whenever the directory is refreshed. A node's word
 * is never taken: each item's signatures and hashes are checked, and the client re-runs the disputed request with its
 * referee; every signer of another answer than the re-run's is convicted in the client's own scores (and so
 * persisted with them). Items whose signers are all blacklisted here already cost no re-run; items the referee
 * cannot judge (no service record, no module, inputs by CID) convict nobody; {@code --referee none}
 * reads no feed.
 *
 * <p>How far each feed was read is kept with the scores ({@link Scores#storeFeedPositions}), so a client with a
 * scores file reads only what is new; a fresh client reads every feed from the start. Bounded per pull: at most
 * {@value #MAX_PAGES} pages of {@value #PAGE} items from each node.
 */
final class ConvictionFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ConvictionFeed.class);
  static final int PAGE = 50;
  static final int MAX_PAGES = 4;
  /** Evidence ids judged by this client, remembered so that the same item from several nodes is judged once. */
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
  private final Map<URI, LogPosition> positions = new HashMap<>();
  private final Map<String, Boolean> judged = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > JUDGED_ENTRIES;
    }
  };
  private final AtomicLong read = new AtomicLong();
  private final AtomicLong convictions = new AtomicLong();
  private long lastPull;
  private boolean pulledOnce;

  /**
   * A feed of {@code nodes}' evidence; {@code enabled} false (no bootstrap nodes, or a client that never re-runs)
   * makes every pull a no-op.
   */
  ConvictionFeed(List<URI> nodes, Transport transport, Duration timeout, Duration interval, Clock clock,
      Directory directory, Scores scores, Referee referee, boolean enabled) {
    this.nodes = nodes.stream().map(NodeUrls::base).distinct().toList();
    this.transport = transport;
    this.timeout = timeout;
    this.interval = interval;
    this.clock = clock;
    this.directory = directory;
    this.scores = scores;
    this.referee = referee;
    this.enabled = enabled && !this.nodes.isEmpty();
  }

  /** Pulls when it never did, or the last pull is older than the refresh interval. */
  void pullIfStale() {
    synchronized (this) {
      if (!enabled || (pulledOnce && clock.millis() - lastPull < interval.toMillis())) {
        return;
      }
    }
    pull();
  }

  /** Reads every node's feed from where it was left and judges what is new. Failures are logged, never thrown. */
  synchronized void pull() {
    if (!enabled) {
      return;
    }
    if (!pulledOnce) {
      positions.putAll(scores.feedPositions());
    }
    lastPull = clock.millis();
    pulledOnce = true;
    JsonRpcClient rpc = new JsonRpcClient(transport, timeout);
    Map<URI, LogPosition> moved = new HashMap<>();
    for (URI node : nodes) {
      try {
        LogFollower.Result end = FOLLOWER.follow(positions.getOrDefault(node, LogPosition.START),
            cursor -> rpc.call(NodeUrls.rpc(node), Methods.EVIDENCE, Methods.page(cursor, PAGE)),
            item -> {
              take(item, node);
              return true;
            },
            (to, restart) -> {
              if (restart != null) {
                LOG.debug("node {} has {}; reading its evidence from the start", node, restart);
              }
            }, () -> true);
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
    if (!moved.isEmpty()) {
      scores.storeFeedPositions(moved);
    }
  }

  /** Judges one item: checked, re-run here, and every signer of another answer than the re-run's convicted. */
  private void take(JsonNode item, URI from) {
    read.incrementAndGet();
    Evidence evidence;
    try {
      evidence = Evidence.fromJson(item).check();
    } catch (IllegalArgumentException e) {
      LOG.debug("invalid evidence in the feed of {}: {}", from, e.getMessage());
      return;
    }
    String id = evidence.id();
    if (judged.containsKey(id)) {
      return;
    }
    List<PublicKey> open = evidence.attestations().stream().map(Attestation::server).distinct()
        .filter(k -> !scores.blacklisted(k)).toList();
    if (open.isEmpty()) {
      judged.put(id, true); // everyone it names is blacklisted here already: no re-run needed
      return;
    }
    Optional<ServiceRecord> service = directory.service(evidence.service());
    if (service.isEmpty()) {
      LOG.debug("evidence {} from {} names service {}, unknown here: not judged", id, from, evidence.service());
      return;
    }
    Referee.Rerun rerun = referee.rerun(service.get(), evidence.service(), evidence.request(),
        () -> directory.moduleSources(service.get(), evidence.service(), scores));
    if (!(rerun instanceof Referee.Rerun.Done done)) {
      LOG.debug("evidence {} from {} not judged: {}", id, from, ((Referee.Rerun.Failed) rerun).reason());
      return;
    }
    judged.put(id, true);
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
  }

  /**
   * Counters since the client started.
   *
   * @param read        items read from the feeds
   * @param convictions servers convicted here because of them
   */
  record Stats(long read, long convictions) {}

  Stats stats() {
    return new Stats(read.get(), convictions.get());
  }
}
