package dev.tandem.node.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The node's own SQLite database ({@code DATA/node.db}): scores, evidence, and the reciprocity ledger. WAL with
 * {@code synchronous=FULL}, so a write is durable once its statement returns and survives {@code kill -9}. One
 * connection, used under its own lock by each store.
 */
public final class NodeDb implements AutoCloseable {
  private final Connection connection;

  private NodeDb(Connection connection) {
    this.connection = connection;
  }

  public static NodeDb open(Path file) {
    try {
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
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
              received_at INTEGER NOT NULL, verdict TEXT NOT NULL, detail TEXT NOT NULL)""");
        s.execute("""
            CREATE TABLE IF NOT EXISTS convictions (
              server TEXT NOT NULL, service TEXT NOT NULL, request_hash TEXT NOT NULL, at INTEGER NOT NULL,
              evidence TEXT NOT NULL, PRIMARY KEY (server, service, request_hash))""");
      }
      return new NodeDb(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open node database " + file + ": " + e.getMessage(), e);
    }
  }

  /** The connection; callers synchronize on it for each unit of work. */
  public Connection connection() {
    return connection;
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
