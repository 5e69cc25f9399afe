package dev.tandem.registry.store;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;

/**
 * The registry's SQLite schema and its migrations. {@code schema_version} holds one row, the version of the schema
 * the file is in; {@link #migrate} brings an older file up to {@link #CURRENT} one step at a time, each step in its own
 * transaction, and refuses a file written by a newer release rather than guess what its tables mean.
 */
final class Schema {

  /** What one migration does to the database; it runs inside the migration's transaction. */
  @FunctionalInterface
  interface Step {
    void apply(Connection db) throws SQLException;
  }

  /**
   * One step, taking a file from {@code version - 1} to {@code version}. Most are SQL ({@link #sql}); a step that
   * must rewrite data (re-canonicalize stored records, say) is code.
   */
  record Migration(int version, String description, Step step) {}

  /** A step made of SQL statements, run in order. */
  static Step sql(String... statements) {
    return db -> {
      try (Statement st = db.createStatement()) {
        for (String statement : statements) {
          st.execute(statement);
        }
      }
    };
  }

  /** Every migration, in version order: append a new one here, never edit a released one. */
  static final List<Migration> MIGRATIONS = List.of(
      new Migration(1, "records log and peer cursors", sql(
          // seq_no is the gossip cursor. AUTOINCREMENT (not a plain rowid) so a number is never handed out twice,
          // even after the newest row is deleted: cursors that peers hold stay meaningful.
          """
          CREATE TABLE records (
            seq_no     INTEGER PRIMARY KEY AUTOINCREMENT,
            type       TEXT    NOT NULL CHECK (type IN ('service', 'server')),
            id         TEXT    NOT NULL,
            server_seq INTEGER,
            json       BLOB    NOT NULL,
            stored_at  INTEGER NOT NULL
          )""",
          // One row per service id and per server key: a superseded ServerRecord is deleted when its successor is
          // stored, so reads and the gossip log only ever see current records.
          "CREATE UNIQUE INDEX records_by_id ON records (type, id)",
          """
          CREATE TABLE peer_cursors (
            peer       TEXT    PRIMARY KEY,
            cursor     INTEGER NOT NULL CHECK (cursor >= 0),
            updated_at INTEGER NOT NULL
          )""")),
      new Migration(2, "record log identity", db -> {
        // Cursors are positions in this file's log, meaningless in any other: the id tells peers which log their
        // cursors belong to, so a peer can tell a new database behind the same URL from the old one. A file that
        // already exists gets its id now; the cursors it handed out before are in that log, so they stay valid.
        sql("""
            CREATE TABLE log_meta (
              id     INTEGER PRIMARY KEY CHECK (id = 1), -- one row
              log_id TEXT    NOT NULL CHECK (log_id <> '')
            )""",
            // The id of the peer's log that each cursor belongs to; '' until the peer has said (older peers never do).
            "ALTER TABLE peer_cursors ADD COLUMN log TEXT NOT NULL DEFAULT ''").apply(db);
        try (PreparedStatement ins = db.prepareStatement("INSERT INTO log_meta (id, log_id) VALUES (1, ?)")) {
          ins.setString(1, newLogId());
          ins.executeUpdate();
        }
      }));

  static final int CURRENT = MIGRATIONS.getLast().version();

  private static final SecureRandom RANDOM = new SecureRandom();

  private Schema() {}

  /** Brings the database to {@link #CURRENT}; returns the version it was in (0 for a new file). */
  static int migrate(Connection db) throws SQLException {
    try (Statement st = db.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    }
    int found = version(db);
    if (found > CURRENT) {
      throw new IllegalStateException("the registry database has schema version " + found
          + ", newer than the " + CURRENT + " this release understands; use a newer Tandem or another file");
    }
    for (Migration m : MIGRATIONS) {
      if (m.version() <= found) {
        continue;
      }
      boolean auto = db.getAutoCommit();
      db.setAutoCommit(false);
      try (Statement st = db.createStatement()) {
        m.step().apply(db);
        st.execute("DELETE FROM schema_version");
        st.execute("INSERT INTO schema_version (version) VALUES (" + m.version() + ")");
        db.commit();
      } catch (SQLException | RuntimeException e) {
        db.rollback();
        throw e;
      } finally {
        db.setAutoCommit(auto);
      }
    }
    return found;
  }

  /** A fresh log id: 16 random bytes in lowercase hex, so two databases never share one. */
  static String newLogId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /**
   * The id of this database's record log.
   *
   * @throws SQLException when the file has none (a migration 2 that did not run, or a damaged file)
   */
  static String logId(Connection db) throws SQLException {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT log_id FROM log_meta WHERE id = 1")) {
      if (!rs.next()) {
        throw new SQLException("the table log_meta holds no log id");
      }
      return rs.getString(1);
    }
  }

  static int version(Connection db) throws SQLException {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT max(version) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0; // max() of no rows is NULL, read as 0
    }
  }
}
