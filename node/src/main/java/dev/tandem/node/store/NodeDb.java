package dev.tandem.node.store;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/**
 * The node's own SQLite database ({@code DATA/node.db}): scores, evidence, the evidence cursors of its peers, and the
 * reciprocity ledger. WAL with {@code synchronous=FULL}, so a write is durable once its statement returns and survives
 * {@code kill -9}. One connection, owned here and reached only by the table classes of this package
 * ({@link SqliteScoreStore}, {@link EvidenceTable}, {@link LedgerTable}) through {@link #read} and {@link #write}, which
 * hold its lock for each unit of work.
 *
 * <p>Tables are created when missing and columns added in place, so a file written by an older release keeps opening.
 */
public final class NodeDb implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Connection connection;
  private final String evidenceLogId;

  private NodeDb(Connection connection, String evidenceLogId) {
    this.connection = connection;
    this.evidenceLogId = evidenceLogId;
  }

  /**
   * Opens (creating or upgrading) the database in {@code file}.
   *
   * @throws IllegalStateException when it cannot be opened or upgraded
   */
  public static NodeDb open(Path file) {
    byte[] raw = new byte[16];
    RANDOM.nextBytes(raw);
    return open("jdbc:sqlite:" + file.toAbsolutePath(), HexFormat.of().formatHex(raw), file.toString());
  }

  /**
   * A database that lives as long as this object, in memory, with the evidence log id {@code logId} (32 hex digits):
   * for a simulated node, whose database outlives its process's crashes and whose run must not depend on a random id.
   */
  public static NodeDb inMemory(String logId) {
    return open("jdbc:sqlite::memory:", logId, ":memory:");
  }

  private static NodeDb open(String url, String newLogId, String name) {
    try {
      Connection c = DriverManager.getConnection(url);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("""
            CREATE TABLE IF NOT EXISTS scores (
              server TEXT PRIMARY KEY, score INTEGER NOT NULL, convicted_at INTEGER NOT NULL,
              latency_ms REAL NOT NULL, updated_at INTEGER NOT NULL, successes INTEGER NOT NULL,
              failures INTEGER NOT NULL)""");
        s.execute("""
            CREATE TABLE IF NOT EXISTS evidence (
              id TEXT PRIMARY KEY, service TEXT NOT NULL, request_hash TEXT NOT NULL, json TEXT NOT NULL,
              received_at INTEGER NOT NULL, verdict TEXT NOT NULL, detail TEXT NOT NULL, seq INTEGER)""");
        numberEvidence(c);
        s.execute("""
            CREATE TABLE IF NOT EXISTS convictions (
              server TEXT NOT NULL, service TEXT NOT NULL, request_hash TEXT NOT NULL, at INTEGER NOT NULL,
              evidence TEXT NOT NULL, PRIMARY KEY (server, service, request_hash))""");
        // Where this node's pull of each peer's convicting evidence (tandem_evidence) stands, and the id of the
        // peer's log the cursor is a position in ('' until the peer names it).
        s.execute("""
            CREATE TABLE IF NOT EXISTS evidence_peers (
              peer TEXT PRIMARY KEY, cursor INTEGER NOT NULL, log TEXT NOT NULL, updated_at INTEGER NOT NULL)""");
        // The identity of this file's evidence log: drawn once, so a new file (even behind the same URL) is told
        // apart from the one its readers' cursors came from.
        s.execute("""
            CREATE TABLE IF NOT EXISTS evidence_log (
              id INTEGER PRIMARY KEY CHECK (id = 1), log_id TEXT NOT NULL CHECK (log_id <> ''))""");
        try (PreparedStatement p =
            c.prepareStatement("INSERT OR IGNORE INTO evidence_log (id, log_id) VALUES (1, ?)")) {
          p.setString(1, newLogId);
          p.executeUpdate();
        }
      }
      String logId;
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT log_id FROM evidence_log")) {
        logId = r.getString(1);
      }
      return new NodeDb(c, logId);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open node database " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Gives evidence its {@code seq}: the order it was stored in, which {@code tandem_evidence} pages by. An explicit
   * column rather than SQLite's rowid, which a {@code VACUUM} may renumber (the table's key is its TEXT id). Files from
   * before the column get it added, their rows numbered in rowid order.
   */
  private static void numberEvidence(Connection c) throws SQLException {
    boolean present = false;
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA table_info(evidence)")) {
      while (r.next()) {
        present |= "seq".equals(r.getString("name"));
      }
    }
    try (Statement s = c.createStatement()) {
      if (!present) {
        c.setAutoCommit(false);
        try {
          s.execute("ALTER TABLE evidence ADD COLUMN seq INTEGER");
          s.execute("UPDATE evidence SET seq = rowid");
          c.commit();
        } catch (SQLException e) {
          c.rollback();
          throw e;
        } finally {
          c.setAutoCommit(true);
        }
      }
      s.execute("CREATE UNIQUE INDEX IF NOT EXISTS evidence_seq ON evidence (seq)");
    }
  }

  /** The id of this file's evidence log (32 hex digits): {@code tandem_evidence} cursors are positions in it. */
  public String evidenceLogId() {
    return evidenceLogId;
  }

  /** One unit of work on the connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} under the connection's lock.
   *
   * @param what what it does, for the error ("read evidence")
   * @throws IllegalStateException when the database fails
   */
  <T> T read(String what, Work<T> work) {
    synchronized (connection) {
      try {
        return work.run(connection);
      } catch (SQLException e) {
        throw new IllegalStateException("node.db: cannot " + what + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Runs {@code work} in one transaction under the connection's lock: all of it is written, or (on a failure, which
   * is thrown as in {@link #read}) none of it.
   */
  <T> T write(String what, Work<T> work) {
    return read(what, c -> {
      c.setAutoCommit(false);
      try {
        T out = work.run(c);
        c.commit();
        return out;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the first failure is the one to report
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(true);
        } catch (SQLException ignored) {
          // a broken connection shows up on its next use
        }
      }
    });
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // closing: nothing left to protect
    }
  }
}
