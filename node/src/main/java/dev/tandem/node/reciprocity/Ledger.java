package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.sqlite.SQLiteConfig;

/**
 * The reciprocity ledger: the work this node and its peers did for each other, and the planner's own state, in the
 * node's SQLite file ({@code DATA/node.db}, tables {@code ledger_*}; other parts of the node keep their own tables in
 * the same file).
 *
 * <ul>
 *   <li><b>Served</b>: calls and fuel this node served for services a peer rewards, per peer and service. One call of a
 *       service that three peers reward is counted once for each of them: it is work each of them asked for.
 *   <li><b>Observed</b>: calls and fuel a peer served, as seen in its attestations, for services this node rewards.
 *   <li><b>Held</b> services (which service runs for which peer, see {@link Held}) and per-peer arrears and default
 *       times, so a restart neither forgets what it promised nor restarts a grace period.
 * </ul>
 *
 * <p><b>Durability.</b> WAL with {@code synchronous=FULL}. Usage is counted in memory and written by {@link #flush()}
 * (the driver calls it every round, and {@link #close()} does too), so the call path never waits for a disk sync; a
 * crash loses at most the counts since the last flush. Held services and peer states are written at once.
 *
 * <p>Thread-safe.
 */
public final class Ledger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

  private static final List<String> SCHEMA = List.of(
      """
      CREATE TABLE IF NOT EXISTS ledger_usage (
        peer       TEXT    NOT NULL,
        service    TEXT    NOT NULL,
        direction  TEXT    NOT NULL CHECK (direction IN ('served', 'observed')),
        calls      INTEGER NOT NULL CHECK (calls >= 0),
        fuel       INTEGER NOT NULL CHECK (fuel >= 0),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (peer, service, direction)
      )""",
      """
      CREATE TABLE IF NOT EXISTS ledger_held (
        service TEXT    PRIMARY KEY,
        peer    TEXT    NOT NULL,
        level   INTEGER NOT NULL CHECK (level >= 0),
        since   INTEGER NOT NULL
      )""",
      """
      CREATE TABLE IF NOT EXISTS ledger_peers (
        peer            TEXT PRIMARY KEY,
        arrears_since   INTEGER,
        defaulted_at    INTEGER,
        gave_at_default INTEGER
      )""");

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

  private final Connection db;
  private final ReentrantLock lock = new ReentrantLock();
  private final PublicKey me;
  private final Supplier<? extends Collection<ServerRecord>> servers;
  private final Map<Key, Counter> pending = new ConcurrentHashMap<>();
  private volatile Index index = new Index(new Object(), Map.of());
  private volatile boolean closed;

  private Ledger(Connection db, PublicKey me, Supplier<? extends Collection<ServerRecord>> servers) {
    this.db = db;
    this.me = me;
    this.servers = servers;
  }

  /**
   * Opens (creating if needed) the ledger tables in {@code file}.
   *
   * @param me this node's key
   * @param servers the registry's current server records ({@code registry::servers}). Consulted on every call, so it
   *     must be cheap, and it must hand out a new collection when the records change: the ledger keeps its index of
   *     who rewards what for as long as it gets the same collection back (the embedded registry does exactly this)
   */
  public static Ledger open(Path file, PublicKey me, Supplier<? extends Collection<ServerRecord>> servers)
      throws SQLException {
    Path abs = file.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create the directory of " + abs + ": " + e.getMessage(), e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    // Other parts of the node write to the same file on their own connections: wait for them instead of failing.
    config.setBusyTimeout(10_000);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    Connection db = config.createConnection("jdbc:sqlite:" + abs);
    try (Statement st = db.createStatement()) {
      for (String ddl : SCHEMA) {
        st.execute(ddl);
      }
    } catch (SQLException e) {
      db.close();
      throw e;
    }
    return new Ledger(db, Objects.requireNonNull(me), Objects.requireNonNull(servers));
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
        inTransaction(() -> {
          try (PreparedStatement ps = db.prepareStatement("""
              INSERT INTO ledger_usage (peer, service, direction, calls, fuel, updated_at) VALUES (?, ?, ?, ?, ?, ?)
              ON CONFLICT (peer, service, direction)
              DO UPDATE SET calls = calls + excluded.calls, fuel = fuel + excluded.fuel,
                            updated_at = excluded.updated_at""")) {
            long now = System.currentTimeMillis();
            for (var e : batch.entrySet()) {
              ps.setString(1, e.getKey().peer());
              ps.setString(2, e.getKey().service());
              ps.setString(3, e.getKey().direction().column());
              ps.setLong(4, e.getValue()[0]);
              ps.setLong(5, e.getValue()[1]);
              ps.setLong(6, now);
              ps.addBatch();
            }
            ps.executeBatch();
          }
        });
      } catch (SQLException e) {
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
    query("SELECT peer, direction, SUM(calls), SUM(fuel) FROM ledger_usage GROUP BY peer, direction", ps -> { },
        rs -> {
          PublicKey peer = PublicKey.parse(rs.getString(1));
          Direction d = Direction.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT));
          out.merge(peer, Totals.ZERO.plus(d, rs.getLong(3), rs.getLong(4)), Totals::plus);
        });
    return out;
  }

  /** One peer's totals per service, by service id. */
  public List<Usage> usage(PublicKey peer) {
    flush();
    Map<String, Totals> out = new TreeMap<>();
    query("SELECT service, direction, calls, fuel FROM ledger_usage WHERE peer = ?",
        ps -> ps.setString(1, peer.toString()), rs -> {
          Direction d = Direction.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT));
          out.merge(rs.getString(1), Totals.ZERO.plus(d, rs.getLong(3), rs.getLong(4)), Totals::plus);
        });
    return out.entrySet().stream().map(e -> new Usage(e.getKey(), e.getValue())).toList();
  }

  /** The held services as last saved. */
  public Map<String, Held> held() {
    Map<String, Held> out = new TreeMap<>();
    query("SELECT service, peer, level, since FROM ledger_held", ps -> { }, rs -> {
      try {
        out.put(rs.getString(1), new Held(PublicKey.parse(rs.getString(2)), rs.getInt(3), rs.getLong(4)));
      } catch (RuntimeException e) {
        LOG.warn("skipping an unreadable ledger_held row for {}: {}", rs.getString(1), e.getMessage());
      }
    });
    return out;
  }

  /** Replaces the held services. */
  public void saveHeld(Map<String, Held> held) {
    write(() -> {
      try (Statement st = db.createStatement()) {
        st.execute("DELETE FROM ledger_held");
      }
      try (PreparedStatement ps = db.prepareStatement(
          "INSERT INTO ledger_held (service, peer, level, since) VALUES (?, ?, ?, ?)")) {
        for (var e : held.entrySet()) {
          ps.setString(1, e.getKey());
          ps.setString(2, e.getValue().peer().toString());
          ps.setInt(3, e.getValue().level());
          ps.setLong(4, e.getValue().since());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    });
  }

  /** Per-peer arrears and default times as last saved. */
  public Map<PublicKey, PeerState> peerStates() {
    Map<PublicKey, PeerState> out = new TreeMap<>();
    query("SELECT peer, arrears_since, defaulted_at, gave_at_default FROM ledger_peers", ps -> { }, rs -> {
      try {
        out.put(PublicKey.parse(rs.getString(1)), new PeerState(longOrNull(rs, 2), longOrNull(rs, 3),
            rs.getObject(4) == null ? null : rs.getInt(4)));
      } catch (RuntimeException e) {
        LOG.warn("skipping an unreadable ledger_peers row for {}: {}", rs.getString(1), e.getMessage());
      }
    });
    return out;
  }

  /** Replaces the per-peer states (empty ones are not stored). */
  public void savePeerStates(Map<PublicKey, PeerState> states) {
    write(() -> {
      try (Statement st = db.createStatement()) {
        st.execute("DELETE FROM ledger_peers");
      }
      try (PreparedStatement ps = db.prepareStatement(
          "INSERT INTO ledger_peers (peer, arrears_since, defaulted_at, gave_at_default) VALUES (?, ?, ?, ?)")) {
        for (var e : states.entrySet()) {
          if (e.getValue().empty()) {
            continue;
          }
          ps.setString(1, e.getKey().toString());
          ps.setObject(2, e.getValue().arrearsSince());
          ps.setObject(3, e.getValue().defaultedAt());
          ps.setObject(4, e.getValue().gaveAtDefault());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    });
  }

  private static Long longOrNull(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  @FunctionalInterface
  private interface SqlBlock {
    void run() throws SQLException;
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  @FunctionalInterface
  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private void write(SqlBlock block) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the ledger is closed");
      }
      inTransaction(block);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write the reciprocity ledger: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code block} in one transaction; the caller holds the lock. */
  private void inTransaction(SqlBlock block) throws SQLException {
    db.setAutoCommit(false);
    try {
      block.run();
      db.commit();
    } catch (SQLException | RuntimeException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(true);
    }
  }

  private void query(String sql, Binder binder, RowReader reader) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the ledger is closed");
      }
      try (PreparedStatement ps = db.prepareStatement(sql)) {
        binder.bind(ps);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            reader.read(rs);
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the reciprocity ledger: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Writes what is pending and closes the connection. */
  @Override
  public void close() {
    flush();
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        db.close();
      }
    } catch (SQLException e) {
      LOG.warn("closing the reciprocity ledger: {}", e.getMessage());
    } finally {
      lock.unlock();
    }
  }
}
