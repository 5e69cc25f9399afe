package dev.tandem.registry.store;

import dev.tandem.core.rpc.LogPosition;
import dev.tandem.registry.gossip.PeerCursors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The registry's SQLite file ({@link SqliteRegistry} keeps the records in memory and judges them; this class only
 * stores them): the {@code records} table in log order, the log's id, and gossip's {@code peer_cursors}. One
 * connection; the registry holds {@link #lock} for each unit of work, and the peer cursors take it themselves.
 */
final class RecordTable implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordTable.class);

  /** One stored record, as its row holds it. */
  record Row(long seqNo, String type, String id, byte[] json) {}

  /** One row of the log, without its JSON: {@code size} bytes of it. */
  record LogRow(long seqNo, String type, String id, int size) {}

  /** Reads one row; a failure is the caller's to handle. */
  @FunctionalInterface
  interface RowReader {
    void read(Row row) throws SQLException;
  }

  @FunctionalInterface
  private interface SqlWork {
    void run() throws SQLException;
  }

  /** Serializes the connection's use: writes, log reads, peer cursors. */
  final ReentrantLock lock = new ReentrantLock();
  private final String name;
  private final Connection db;
  private final String logId;
  private final PeerCursors cursors = new DbPeerCursors();
  private volatile boolean closed;

  private RecordTable(String name, Connection db, String logId) {
    this.name = name;
    this.db = db;
    this.logId = logId;
  }

  /** Opens (creating when needed, migrating an older schema) the file {@code file}. */
  static RecordTable open(Path file) {
    Path abs = file.toAbsolutePath();
    try {
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of " + abs, e);
    }
    return connect(abs.toString(), "jdbc:sqlite:" + abs);
  }

  /** A table in memory only. */
  static RecordTable inMemory() {
    return connect(":memory:", "jdbc:sqlite::memory:");
  }

  private static RecordTable connect(String name, String url) {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(10_000);
    // Take the write lock when the transaction starts rather than on its first write: no lock upgrade, so another
    // connection to the file (an operator's sqlite3 shell) makes us wait instead of failing with SQLITE_BUSY.
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    Connection db = null;
    try {
      db = config.createConnection(url);
      if (!name.equals(":memory:")) {
        String mode = pragma(db, "journal_mode");
        if (!"wal".equalsIgnoreCase(mode)) {
          LOG.warn("registry database {} is in journal mode {} instead of WAL (file system without shared memory?)",
              name, mode);
        }
      }
      int from = Schema.migrate(db);
      if (from != 0 && from != Schema.CURRENT) {
        LOG.info("registry database {} migrated from schema {} to {}", name, from, Schema.CURRENT);
      }
      return new RecordTable(name, db, Schema.logId(db));
    } catch (SQLException e) {
      closeQuietly(db);
      throw new StorageException("cannot open the registry database " + name + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(db);
      throw e;
    }
  }

  /** Where the database is: its file, or {@code :memory:}. */
  String name() {
    return name;
  }

  /** Drawn at random when the database was created, and stored in it. */
  String logId() {
    return logId;
  }

  /** Hands {@code reader} every stored row in log order. */
  void forEach(RowReader reader) {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT seq_no, type, id, json FROM records ORDER BY seq_no")) {
      while (rs.next()) {
        reader.read(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4)));
      }
    } catch (SQLException e) {
      throw new StorageException("registry database " + name + ": reading the records failed: " + e.getMessage(), e);
    }
  }

  /**
   * Stores a record at the end of the log, in one transaction with the removal of the row it replaces when
   * {@code replaces} (a server's newer record). The caller holds {@link #lock}.
   *
   * @param serverSeq a server record's seq, null for a service
   */
  void store(String type, String id, Long serverSeq, byte[] json, boolean replaces) {
    transaction(() -> {
      if (replaces) {
        try (PreparedStatement del = db.prepareStatement("DELETE FROM records WHERE type = ? AND id = ?")) {
          del.setString(1, type);
          del.setString(2, id);
          del.executeUpdate();
        }
      }
      try (PreparedStatement ins = db.prepareStatement(
          "INSERT INTO records (type, id, server_seq, json, stored_at) VALUES (?, ?, ?, ?, ?)")) {
        ins.setString(1, type);
        ins.setString(2, id);
        if (serverSeq == null) {
          ins.setNull(3, java.sql.Types.INTEGER);
        } else {
          ins.setLong(3, serverSeq);
        }
        ins.setBytes(4, json);
        ins.setLong(5, System.currentTimeMillis());
        ins.executeUpdate();
      }
    });
  }

  /** Up to {@code limit} rows of the log after {@code cursor}, in order. The caller holds {@link #lock}. */
  List<LogRow> after(long cursor, int limit) {
    List<LogRow> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement(
        "SELECT seq_no, type, id, length(json) FROM records WHERE seq_no > ? ORDER BY seq_no LIMIT ?")) {
      q.setLong(1, cursor);
      q.setInt(2, limit);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(new LogRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageException("registry database " + name + ": reading the log failed: " + e.getMessage(), e);
    }
  }

  /** The highest seq_no ever handed out (AUTOINCREMENT keeps it in sqlite_sequence), 0 for an empty log. */
  long endOfLog() {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'records'")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new StorageException("registry database " + name + ": reading the log failed: " + e.getMessage(), e);
    }
  }

  /** Gossip positions (log id and cursor) per peer, in table {@code peer_cursors}. */
  PeerCursors cursors() {
    return cursors;
  }

  /** A PRAGMA's value on this connection (settings like {@code synchronous} are per connection). */
  String pragma(String pragmaName) {
    lock.lock();
    try {
      ensureOpen();
      return pragma(db, pragmaName);
    } catch (SQLException e) {
      throw new StorageException("registry database " + name + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the registry " + name + " is closed");
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      db.close();
    } catch (SQLException e) {
      throw new StorageException("closing the registry database " + name + " failed: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code work} in one transaction (the caller holds the lock): all of it is committed, or none. */
  private void transaction(SqlWork work) {
    try {
      db.setAutoCommit(false);
      try {
        work.run();
        db.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          db.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StorageException("registry database " + name + ": writing failed: " + e.getMessage(), e);
    }
  }

  private static String pragma(Connection db, String name) throws SQLException {
    try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static void closeQuietly(Connection db) {
    if (db != null) {
      try {
        db.close();
      } catch (SQLException ignored) {
        // already failing; the first error is the one to report
      }
    }
  }

  /** Peer positions in the {@code peer_cursors} table, written through the same connection and lock. */
  private final class DbPeerCursors implements PeerCursors {
    @Override
    public LogPosition position(URI peer) {
      lock.lock();
      try {
        ensureOpen();
        try (PreparedStatement q = db.prepareStatement("SELECT log, cursor FROM peer_cursors WHERE peer = ?")) {
          q.setString(1, peer.toString());
          try (ResultSet rs = q.executeQuery()) {
            return rs.next() ? new LogPosition(rs.getString(1), rs.getLong(2)) : LogPosition.START;
          }
        }
      } catch (SQLException e) {
        throw new StorageException("registry database " + name + ": reading a peer cursor failed: "
            + e.getMessage(), e);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void save(URI peer, LogPosition position) {
      Objects.requireNonNull(position, "position");
      lock.lock();
      try {
        ensureOpen();
        transaction(() -> {
          try (PreparedStatement up = db.prepareStatement("""
              INSERT INTO peer_cursors (peer, log, cursor, updated_at) VALUES (?, ?, ?, ?)
              ON CONFLICT (peer) DO UPDATE
                SET log = excluded.log, cursor = excluded.cursor, updated_at = excluded.updated_at""")) {
            up.setString(1, peer.toString());
            up.setString(2, position.log());
            up.setLong(3, position.cursor());
            up.setLong(4, System.currentTimeMillis());
            up.executeUpdate();
          }
        });
      } finally {
        lock.unlock();
      }
    }
  }
}
