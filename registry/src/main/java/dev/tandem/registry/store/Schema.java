package dev.tandem.registry.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
          )""")));

  static final int CURRENT = MIGRATIONS.getLast().version();

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

  static int version(Connection db) throws SQLException {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT max(version) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0; // max() of no rows is NULL, read as 0
    }
  }
}
