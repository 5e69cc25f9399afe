package dev.tandem.registry.gossip;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.rpc.NodeUrls;
import java.net.URI;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peers gossip runs with: those configured or added by {@link Gossip#addPeer}, and those learned from stored
 * ServerRecords, whose number is capped ({@code maxLearnedPeers}) with failing learned peers evicted to make room.
 */
final class PeerTable {
  // Logged under Gossip's name, as before the table was its own class, so logging configurations keep working.
  private static final Logger LOG = LoggerFactory.getLogger(Gossip.class);

  private final URI self;
  private final int queueCapacity;
  private final Predicate<URI> peerPolicy;
  private final int maxLearnedPeers;
  private final Map<URI, Peer> peers = new ConcurrentHashMap<>();
  /** Server key → the URL its current record announces, for learned peers. Guarded by itself. */
  private final Map<PublicKey, URI> learned = new HashMap<>();
  /**
   * Judges learned URLs that name a host, off the thread that stored the record: the peer policy resolves the name,
   * and a record's URL can name a host under a domain whose name server never answers. Storing a record (answering
   * {@code tandem_submitRecord}, taking a gossip page) must not wait on that. One at a time, at most
   * {@value #MAX_UNJUDGED} waiting; past that a learned URL is dropped (learning peers is best effort).
   */
  private final ThreadPoolExecutor judging = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
      new ArrayBlockingQueue<>(MAX_UNJUDGED), Thread.ofVirtual().name("tandem-gossip-peer-policy").factory(),
      new ThreadPoolExecutor.DiscardPolicy());
  private static final int MAX_UNJUDGED = 256;

  /**
   * @param self this node's own base URL (never a peer), or null
   * @param queueCapacity records waiting to be pushed to one peer before the oldest is dropped
   * @param peerPolicy which learned URLs may become peers
   * @param maxLearnedPeers most peers learned from ServerRecords
   */
  PeerTable(URI self, int queueCapacity, Predicate<URI> peerPolicy, int maxLearnedPeers) {
    this.self = self;
    this.queueCapacity = queueCapacity;
    this.peerPolicy = peerPolicy;
    this.maxLearnedPeers = maxLearnedPeers;
  }

  /** The peers now, to iterate over (a live view). */
  Collection<Peer> all() {
    return peers.values();
  }

  /** The peers' base URLs now, as a copy. */
  List<URI> urls() {
    return List.copyOf(peers.keySet());
  }

  int size() {
    return peers.size();
  }

  /**
   * Adds a peer named explicitly; an existing one becomes configured, so it no longer goes away with its ServerRecord.
   *
   * @return whether it was new
   * @throws IllegalArgumentException when {@code url} is not an http(s) URL
   */
  boolean addConfigured(URI url) {
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

  /** Removes a peer, stopping its pulls and pushes; returns whether it was one. */
  boolean remove(URI url) {
    Peer peer = peers.remove(NodeUrls.peer(url));
    if (peer == null) {
      return false;
    }
    peer.removed = true;
    peer.clearQueue();
    LOG.info("gossip peer {} removed", peer);
    return true;
  }

  private boolean add(URI base, boolean configured) {
    Peer fresh = new Peer(base, configured, queueCapacity);
    if (peers.putIfAbsent(base, fresh) != null) {
      return false;
    }
    LOG.info("gossip peer {} added{}", base, configured ? "" : " (learned from its server record)");
    return true;
  }

  /**
   * Takes a stored ServerRecord into account: its URL becomes a learned peer (policy and cap permitting), and the URL
   * its server announced before goes away when it retired or moved and no other server announces it.
   */
  void learn(ServerRecord server) {
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
        remove(gone);
      }
    }
    if (!server.retired() && !url.equals(self) && !peers.containsKey(url)) {
      if (dev.tandem.core.net.Reach.isLiteral(url.getHost())) {
        admit(url); // an address: judged at once, no lookup
      } else {
        judging.execute(() -> admit(url));
      }
    }
  }

  private void admit(URI url) {
    if (!peerPolicy.test(url)) {
      LOG.debug("not gossiping with {}: the peer policy refuses its address", url);
      return;
    }
    if (!peers.containsKey(url) && makeRoomForLearned()) {
      add(url, false);
    }
  }

  /**
   * At the cap, lets a random learned URL that is not a peer take the place of a random learned peer. Healthy peers
   * are never evicted for a newcomer ({@link #makeRoomForLearned}), so without turns the first 128 servers to answer
   * would hold every learned slot for good, all of them Sybils if a stranger registered them first; with turns, every
   * learned URL is pulled from now and then. Configured peers are never replaced.
   */
  void rotate() {
    List<Peer> learnedPeers = peers.values().stream().filter(p -> !p.configured).toList();
    if (learnedPeers.size() < maxLearnedPeers || learnedPeers.isEmpty()) {
      return;
    }
    List<URI> waiting;
    synchronized (learned) {
      waiting = learned.values().stream().distinct().filter(u -> !peers.containsKey(u) && !u.equals(self)).toList();
    }
    if (waiting.isEmpty()) {
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    URI in = waiting.get(random.nextInt(waiting.size()));
    Peer out = learnedPeers.get(random.nextInt(learnedPeers.size()));
    judging.execute(() -> { // the policy may look the name up
      if (peerPolicy.test(in) && !peers.containsKey(in) && peers.get(out.base) == out) {
        remove(out.base);
        add(in, false);
        LOG.debug("gossip peer {} takes its turn in place of {}", in, out);
      }
    });
  }

  /** Stops judging learned URLs. */
  void close() {
    judging.shutdownNow();
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
    Peer worst = learnedPeers.stream().max(Comparator.comparingInt(Peer::failures)).orElse(null);
    if (worst == null || worst.failures() == 0) {
      LOG.debug("not adding a learned peer: {} learned peers, all working", learnedPeers.size());
      return false;
    }
    LOG.info("gossip peer {} evicted ({} failures in a row) to make room for a newly learned one", worst,
        worst.failures());
    remove(worst.base);
    return true;
  }
}
