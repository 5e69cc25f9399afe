package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.store.LedgerTable;
import dev.tandem.node.store.NodeDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reciprocity ledger: the work this node and its peers did for each other, and the planner's own state, in the
 * node's own database ({@code DATA/node.db}, tables {@code ledger_*} through {@link LedgerTable}, on the connection the
 * rest of the node uses).
 *
 * <ul>
 *   <li><b>Served</b>: calls and fuel this node served for services a peer rewards, per peer and service. One call of a
 *       service that three peers reward is counted once for each of them: it is work each of them asked for.
 *   <li><b>Observed</b>: calls and fuel a peer served, as seen in its attestations, for services this node rewards.
 *   <li><b>Held</b> services (which service runs for which peer, see {@link Held}) and per-peer arrears and default
 *       times, so a restart neither forgets what it promised nor restarts a grace period.
 * </ul>
 *
 * <p><b>Durability.</b> As {@link NodeDb}'s. Usage is counted in memory and written by {@link #flush()}
 * (the driver calls it every round, and {@link #close()} does too), so the call path never waits for a disk sync; a
 * crash loses at most the counts since the last flush. Held services and peer states are written at once.
 *
 * <p>Thread-safe.
 */
public final class Ledger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

  /** Which way the work went. */
  public enum Direction {
    /** This node served a call of a service the peer rewards. */
    SERVED,
    /** The peer served a call of a service this node rewards. */
    OBSERVED;

    String column() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Calls and fuel both ways. */
  public record Totals(long servedCalls, long servedFuel, long observedCalls, long observedFuel) {
    public static final Totals ZERO = new Totals(0, 0, 0, 0);

    /** Both totals added up. */
    public Totals plus(Totals o) {
      return new Totals(servedCalls + o.servedCalls, servedFuel + o.servedFuel, observedCalls + o.observedCalls,
          observedFuel + o.observedFuel);
    }

    Totals plus(Direction d, long calls, long fuel) {
      return d == Direction.SERVED
          ? new Totals(servedCalls + calls, servedFuel + fuel, observedCalls, observedFuel)
          : new Totals(servedCalls, servedFuel, observedCalls + calls, observedFuel + fuel);
    }
  }

  /** A peer's totals for one service. */
  public record Usage(String service, Totals totals) {}

  /**
   * What the driver remembers about a peer between rounds and restarts.
   *
   * @param arrearsSince when the peer was first seen in arrears (this spell), or null
   * @param defaultedAt when it last lost services for staying in arrears, or null
   * @param gaveAtDefault how many of this node's rewarded services it ran then, or null
   */
  public record PeerState(Long arrearsSince, Long defaultedAt, Integer gaveAtDefault) {
    public static final PeerState NONE = new PeerState(null, null, null);

    public boolean empty() {
      return arrearsSince == null && defaultedAt == null;
    }
  }

  private record Key(String peer, String service, Direction direction) {}

  private record Counter(AtomicLong calls, AtomicLong fuel) {
    Counter() {
      this(new AtomicLong(), new AtomicLong());
    }
  }

  /** Service id → the peers that reward it, built from one list of records. */
  private record Index(Object source, Map<String, List<String>> rewardedBy) {}

  private final LedgerTable table;
  /** The database this ledger opened itself, closed with it; null when it shares the node's. */
  private final NodeDb owned;
  private final ReentrantLock lock = new ReentrantLock();
  private final PublicKey me;
  private final Supplier<? extends Collection<ServerRecord>> servers;
  private final Map<Key, Counter> pending = new ConcurrentHashMap<>();
  private volatile Index index = new Index(new Object(), Map.of());
  private volatile boolean closed;

  private Ledger(LedgerTable table, NodeDb owned, PublicKey me, Supplier<? extends Collection<ServerRecord>> servers) {
    this.table = table;
    this.owned = owned;
    this.me = me;
    this.servers = servers;
  }

  /**
   * The ledger in the node's database {@code db} (its tables created when missing); closing the ledger leaves
   * {@code db} open.
   *
   * @param me this node's key
   * @param servers the registry's current server records ({@code registry::servers}). Consulted on every call, so it
   *     must be cheap, and it must hand out a new collection when the records change: the ledger keeps its index of
   *     who rewards what for as long as it gets the same collection back (the embedded registry does exactly this)
   */
  public static Ledger open(NodeDb db, PublicKey me, Supplier<? extends Collection<ServerRecord>> servers) {
    return new Ledger(new LedgerTable(db), null, Objects.requireNonNull(me), Objects.requireNonNull(servers));
  }

  /**
   * The ledger of the node database in {@code file}, opened for the ledger alone and closed with it: for tools and
   * tests that read or write a ledger without a running node.
   *
   * @throws IllegalStateException when the file cannot be opened
   */
  public static Ledger open(Path file, PublicKey me, Supplier<? extends Collection<ServerRecord>> servers) {
    Path abs = file.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create the directory of " + abs + ": " + e.getMessage(), e);
    }
    NodeDb db = NodeDb.open(abs);
    try {
      return new Ledger(new LedgerTable(db), db, Objects.requireNonNull(me), Objects.requireNonNull(servers));
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /**
   * Counts one call this node served: for every peer that rewards {@code serviceId}. Cheap: memory only.
   *
   * @param fuel the fuel the call used (negative values count as 0)
   */
  public void served(String serviceId, long fuel) {
    List<String> peers = rewardedBy().get(serviceId);
    if (peers == null) {
      return;
    }
    for (String peer : peers) {
      if (!peer.equals(me.toString())) {
        count(new Key(peer, serviceId, Direction.SERVED), fuel);
      }
    }
  }

  /**
   * Counts one call {@code server} served, as seen in its attestation, when this node rewards {@code serviceId}.
   * Calls of services this node does not reward, and this node's own, are not counted.
   */
  public void observed(PublicKey server, String serviceId, long fuel) {
    if (server.equals(me)) {
      return;
    }
    List<String> peers = rewardedBy().get(serviceId);
    if (peers != null && peers.contains(me.toString())) {
      count(new Key(server.toString(), serviceId, Direction.OBSERVED), fuel);
    }
  }

  private void count(Key key, long fuel) {
    Counter c = pending.computeIfAbsent(key, k -> new Counter());
    c.calls().incrementAndGet();
    c.fuel().addAndGet(Math.max(0, fuel));
  }

  private Map<String, List<String>> rewardedBy() {
    Collection<ServerRecord> now = servers.get();
    Index i = index;
    if (i.source() != now) {
      Map<String, List<String>> map = new HashMap<>();
      for (ServerRecord r : now) {
        if (!r.retired()) {
          for (String s : r.rewards()) {
            map.computeIfAbsent(s, k -> new ArrayList<>()).add(r.key().toString());
          }
        }
      }
      i = new Index(now, map);
      index = i;
    }
    return i.rewardedBy();
  }

  /** Writes the usage counted since the last flush, in one transaction. */
  public void flush() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      Map<Key, long[]> batch = new HashMap<>();
      pending.forEach((k, c) -> {
        long calls = c.calls().getAndSet(0);
        long fuel = c.fuel().getAndSet(0);
        if (calls != 0 || fuel != 0) {
          batch.put(k, new long[] {calls, fuel});
        }
      });
      if (batch.isEmpty()) {
        return;
      }
      try {
        table.add(batch.entrySet().stream().map(e -> new LedgerTable.Usage(e.getKey().peer(), e.getKey().service(),
            e.getKey().direction().column(), e.getValue()[0], e.getValue()[1])).toList(), System.currentTimeMillis());
      } catch (IllegalStateException e) {
        // Put the counts back: they are written with the next flush.
        batch.forEach((k, v) -> {
          Counter c = pending.computeIfAbsent(k, x -> new Counter());
          c.calls().addAndGet(v[0]);
          c.fuel().addAndGet(v[1]);
        });
        LOG.warn("could not write the reciprocity ledger, will retry: {}", e.getMessage());
      }
    } finally {
      lock.unlock();
    }
  }

  /** Totals per peer, both ways, including what is not flushed yet. */
  public Map<PublicKey, Totals> totals() {
    flush();
    Map<PublicKey, Totals> out = new TreeMap<>();
    for (LedgerTable.Usage u : read(table::totals)) {
      out.merge(PublicKey.parse(u.peer()), totals(u), Totals::plus);
    }
    return out;
  }

  /** One peer's totals per service, by service id. */
  public List<Usage> usage(PublicKey peer) {
    flush();
    Map<String, Totals> out = new TreeMap<>();
    for (LedgerTable.Usage u : read(() -> table.usage(peer.toString()))) {
      out.merge(u.service(), totals(u), Totals::plus);
    }
    return out.entrySet().stream().map(e -> new Usage(e.getKey(), e.getValue())).toList();
  }

  private static Totals totals(LedgerTable.Usage u) {
    return Totals.ZERO.plus(Direction.valueOf(u.direction().toUpperCase(java.util.Locale.ROOT)), u.calls(), u.fuel());
  }

  /** The held services as last saved. */
  public Map<String, Held> held() {
    Map<String, Held> out = new TreeMap<>();
    for (LedgerTable.Held h : read(table::held)) {
      try {
        out.put(h.service(), new Held(PublicKey.parse(h.peer()), h.level(), h.since()));
      } catch (RuntimeException e) {
        LOG.warn("skipping an unreadable ledger_held row for {}: {}", h.service(), e.getMessage());
      }
    }
    return out;
  }

  /** Replaces the held services. */
  public void saveHeld(Map<String, Held> held) {
    write(() -> table.replaceHeld(held.entrySet().stream().map(e -> new LedgerTable.Held(e.getKey(),
        e.getValue().peer().toString(), e.getValue().level(), e.getValue().since())).toList()));
  }

  /** Per-peer arrears and default times as last saved. */
  public Map<PublicKey, PeerState> peerStates() {
    Map<PublicKey, PeerState> out = new TreeMap<>();
    for (LedgerTable.Peer p : read(table::peers)) {
      try {
        out.put(PublicKey.parse(p.peer()), new PeerState(p.arrearsSince(), p.defaultedAt(), p.gaveAtDefault()));
      } catch (RuntimeException e) {
        LOG.warn("skipping an unreadable ledger_peers row for {}: {}", p.peer(), e.getMessage());
      }
    }
    return out;
  }

  /** Replaces the per-peer states (empty ones are not stored). */
  public void savePeerStates(Map<PublicKey, PeerState> states) {
    write(() -> table.replacePeers(states.entrySet().stream().filter(e -> !e.getValue().empty())
        .map(e -> new LedgerTable.Peer(e.getKey().toString(), e.getValue().arrearsSince(),
            e.getValue().defaultedAt(), e.getValue().gaveAtDefault())).toList()));
  }

  private <T> T read(Supplier<T> query) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the ledger is closed");
      }
      return query.get();
    } finally {
      lock.unlock();
    }
  }

  private void write(Runnable update) {
    read(() -> {
      update.run();
      return null;
    });
  }

  /** Writes what is pending; closes the database when this ledger opened it. */
  @Override
  public void close() {
    flush();
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        if (owned != null) {
          owned.close();
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
