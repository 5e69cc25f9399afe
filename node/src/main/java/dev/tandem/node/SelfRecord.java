package dev.tandem.node;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.registry.Registry;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node as the registry knows it: publishes its signed ServerRecord when what it offers or rewards changes, and
 * lists the other servers it reaches (where modules are fetched from, where missed evidence is pulled from). Its URL
 * and peer policy are known once the HTTP server listens ({@link #listening}).
 */
final class SelfRecord {
  private static final Logger LOG = LoggerFactory.getLogger(SelfRecord.class);
  private final KeyPair key;
  private final Registry registry;
  private final Hosting hosting;
  private final Supplier<NodeConfig> config;
  private final Object publishLock = new Object();
  private volatile URI url;
  /** Which addresses learned from records this node contacts. */
  private volatile PeerPolicy peerPolicy = PeerPolicy.ANY;

  SelfRecord(KeyPair key, Registry registry, Hosting hosting, Supplier<NodeConfig> config) {
    this.key = key;
    this.registry = registry;
    this.hosting = hosting;
    this.config = config;
  }

  /** The node listens at {@code url}: its peer policy is now that of its configuration. */
  void listening(URI url) {
    this.url = url;
    this.peerPolicy = PeerPolicy.of(config.get().peerPolicy(), url);
  }

  URI url() {
    return url;
  }

  /** Whether this node contacts {@code address}, learned from a record. */
  boolean allows(URI address) {
    return peerPolicy.allows(address);
  }

  /** Peers and every known server the peer policy allows: where a module might be fetched from. */
  List<URI> moduleSources() {
    Set<URI> out = new LinkedHashSet<>(config.get().peers());
    registry.servers().forEach(s -> {
      if (!s.url().equals(url) && peerPolicy.allows(s.url())) {
        out.add(s.url());
      }
    });
    out.remove(url);
    return new ArrayList<>(out);
  }

  /**
   * Where new evidence is forwarded: the configured peers, then a random sample of the other known servers, {@code n}
   * in all (or all the peers, when more). Not every server: anyone can register servers, and a thousand of them would
   * make each judged item a thousand requests. The evidence sync spreads it to the rest.
   */
  List<URI> forwardTargets(int n) {
    List<URI> peers = config.get().peers();
    Set<URI> out = new LinkedHashSet<>(peers);
    List<URI> others = new ArrayList<>();
    registry.servers().forEach(s -> {
      if (!s.retired() && !s.url().equals(url) && !out.contains(s.url())) {
        others.add(s.url());
      }
    });
    Collections.shuffle(others, ThreadLocalRandom.current());
    for (URI u : others) {
      if (out.size() >= n) {
        break;
      }
      if (peerPolicy.allows(u)) { // only as many as needed: it may look a name up
        out.add(u);
      }
    }
    out.remove(url);
    return new ArrayList<>(out);
  }

  /**
   * Where missed evidence is pulled from in one round: the configured peers, then the servers this node trusts most
   * ({@code trust}, never a blacklisted one; servers of equal trust, such as every new one, in a new random order each
   * round), {@code n} in all. Not every server: the sync asks one after another, and a thousand registered servers
   * that each let a request run into its timeout would make a round take hours, the honest peers' evidence with it.
   */
  List<URI> evidencePeers(int n, ToDoubleFunction<PublicKey> trust) {
    Set<URI> out = new LinkedHashSet<>(config.get().peers());
    List<ServerRecord> others = new ArrayList<>();
    registry.servers().forEach(s -> {
      if (!s.retired() && !s.url().equals(url) && trust.applyAsDouble(s.key()) > 0) {
        others.add(s);
      }
    });
    Collections.shuffle(others, ThreadLocalRandom.current());
    others.sort(Comparator.comparingDouble((ServerRecord s) -> -trust.applyAsDouble(s.key()))); // stable: ties shuffled
    for (ServerRecord s : others) {
      if (out.size() >= n) {
        break;
      }
      if (peerPolicy.allows(s.url())) { // only as many as needed: it may look a name up
        out.add(s.url());
      }
    }
    out.remove(url);
    return new ArrayList<>(out);
  }

  /** Publishes this node's ServerRecord when what it offers or rewards changed. */
  void publish() {
    publish(false);
  }

  /** Publishes this node's ServerRecord; {@code always}: even when nothing changed (a fresh record at start). */
  void publish(boolean always) {
    synchronized (publishLock) {
      NodeConfig config = this.config.get();
      List<String> offers = hosting.readyIds();
      List<String> rewards = new ArrayList<>(new TreeSet<>(config.rewards()));
      var current = registry.server(key.publicKey());
      if (!always && current.isPresent() && current.get().offers().equals(offers)
          && current.get().rewards().equals(rewards) && current.get().url().equals(url) && !current.get().retired()) {
        return;
      }
      long seq = Math.max(current.map(ServerRecord::seq).orElse(0L) + 1, System.currentTimeMillis());
      ServerRecord record = new ServerRecord(key.publicKey(), url, offers, rewards,
          new ServerRecord.Capacity(config.maxServices(), config.maxMemoryMb()), seq, false, null).signedBy(key);
      registry.submit(record);
      LOG.info("published server record seq={} offers={} rewards={}", seq, offers.size(), rewards.size());
    }
  }
}
