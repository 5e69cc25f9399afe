package dev.tandem.node.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The reciprocity ledger's tables in {@code node.db} ({@code ledger_usage}, {@code ledger_held},
 * {@code ledger_peers}): rows as stored, keys and services as text; the ledger gives them meaning.
 */
public final class LedgerTable {
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

  /**
   * Calls and fuel of one peer, service and direction ({@code served} or {@code observed}); {@code service} is null in
   * totals over every service.
   */
  public record Usage(String peer, String service, String direction, long calls, long fuel) {}

  /** One held service: run for {@code peer} at {@code level} since {@code since}. */
  public record Held(String service, String peer, int level, long since) {}

  /** One peer's arrears and default times (each null when unset). */
  public record Peer(String peer, Long arrearsSince, Long defaultedAt, Integer gaveAtDefault) {}

  private final NodeDb db;

  /** The ledger's tables in {@code db}, created when missing. */
  public LedgerTable(NodeDb db) {
    this.db = db;
    db.read("create the ledger tables", c -> {
      try (Statement st = c.createStatement()) {
        for (String ddl : SCHEMA) {
          st.execute(ddl);
        }
      }
      return null;
    });
  }

  /** Adds the calls and fuel of {@code batch} to what is stored, in one transaction. */
  public void add(List<Usage> batch, long atMillis) {
    db.write("write the reciprocity ledger", c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO ledger_usage (peer, service, direction, calls, fuel, updated_at) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (peer, service, direction)
          DO UPDATE SET calls = calls + excluded.calls, fuel = fuel + excluded.fuel,
                        updated_at = excluded.updated_at""")) {
        for (Usage u : batch) {
          ps.setString(1, u.peer());
          ps.setString(2, u.service());
          ps.setString(3, u.direction());
          ps.setLong(4, u.calls());
          ps.setLong(5, u.fuel());
          ps.setLong(6, atMillis);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  /** Totals per peer and direction, over every service. */
  public List<Usage> totals() {
    return db.read("read the reciprocity ledger", c -> {
      List<Usage> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT peer, direction, SUM(calls), SUM(fuel) FROM ledger_usage GROUP BY peer, direction");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Usage(rs.getString(1), null, rs.getString(2), rs.getLong(3), rs.getLong(4)));
        }
      }
      return out;
    });
  }

  /** One peer's rows, per service and direction. */
  public List<Usage> usage(String peer) {
    return db.read("read the reciprocity ledger", c -> {
      List<Usage> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT service, direction, calls, fuel FROM ledger_usage WHERE peer = ?")) {
        ps.setString(1, peer);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new Usage(peer, rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
          }
        }
      }
      return out;
    });
  }

  /** The held services as last saved. */
  public List<Held> held() {
    return db.read("read the reciprocity ledger", c -> {
      List<Held> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT service, peer, level, since FROM ledger_held");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Held(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4)));
        }
      }
      return out;
    });
  }

  /** Replaces the held services, in one transaction. */
  public void replaceHeld(List<Held> held) {
    db.write("write the reciprocity ledger", c -> {
      try (Statement st = c.createStatement()) {
        st.execute("DELETE FROM ledger_held");
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO ledger_held (service, peer, level, since) VALUES (?, ?, ?, ?)")) {
        for (Held h : held) {
          ps.setString(1, h.service());
          ps.setString(2, h.peer());
          ps.setInt(3, h.level());
          ps.setLong(4, h.since());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  /** The per-peer states as last saved. */
  public List<Peer> peers() {
    return db.read("read the reciprocity ledger", c -> {
      List<Peer> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT peer, arrears_since, defaulted_at, gave_at_default FROM ledger_peers");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Long gave = longOrNull(rs, 4);
          out.add(new Peer(rs.getString(1), longOrNull(rs, 2), longOrNull(rs, 3),
              gave == null ? null : gave.intValue()));
        }
      }
      return out;
    });
  }

  /** Replaces the per-peer states, in one transaction. */
  public void replacePeers(List<Peer> peers) {
    db.write("write the reciprocity ledger", c -> {
      try (Statement st = c.createStatement()) {
        st.execute("DELETE FROM ledger_peers");
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO ledger_peers (peer, arrears_since, defaulted_at, gave_at_default) VALUES (?, ?, ?, ?)")) {
        for (Peer p : peers) {
          ps.setString(1, p.peer());
          ps.setObject(2, p.arrearsSince());
          ps.setObject(3, p.defaultedAt());
          ps.setObject(4, p.gaveAtDefault());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  private static Long longOrNull(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }
}
