package dev.tandem.node.store;

import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.ServerScore;
import dev.tandem.core.crypto.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** The node's scores of other servers, in {@code node.db}, so they survive restarts and crashes. */
public final class SqliteScoreStore implements ScoreStore {
  private final Connection c;

  public SqliteScoreStore(NodeDb db) {
    this.c = db.connection();
    synchronized (c) {
      // Confirmed answers (probation) came after the table: a node.db from before gets the column, counting 0.
      try (var s = c.createStatement()) {
        s.execute("ALTER TABLE scores ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0");
      } catch (SQLException alreadyThere) {
        // the column exists
      }
    }
  }

  @Override
  public Map<PublicKey, ServerScore> loadAll() {
    Map<PublicKey, ServerScore> out = new HashMap<>();
    synchronized (c) {
      try (PreparedStatement s = c.prepareStatement("SELECT server, score, convicted_at, latency_ms, updated_at, "
          + "successes, failures, confirmed FROM scores"); ResultSet r = s.executeQuery()) {
        while (r.next()) {
          try {
            out.put(PublicKey.parse(r.getString(1)), new ServerScore(r.getInt(2), r.getLong(3), r.getDouble(4),
                r.getLong(5), r.getLong(6), r.getLong(7), r.getLong(8)));
          } catch (IllegalArgumentException skip) {
            // a row this version cannot read is left alone rather than failing the node
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("node.db: cannot read scores: " + e.getMessage(), e);
      }
    }
    return out;
  }

  @Override
  public void storeAll(Map<PublicKey, ServerScore> changed) {
    synchronized (c) {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO scores (server, score, convicted_at, latency_ms, "
          + "updated_at, successes, failures, confirmed) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(server) "
          + "DO UPDATE SET score=excluded.score, convicted_at=excluded.convicted_at, latency_ms=excluded.latency_ms, "
          + "updated_at=excluded.updated_at, successes=excluded.successes, failures=excluded.failures, "
          + "confirmed=excluded.confirmed")) {
        c.setAutoCommit(false);
        for (var e : changed.entrySet()) {
          ServerScore v = e.getValue();
          s.setString(1, e.getKey().toString());
          s.setInt(2, v.score());
          s.setLong(3, v.convictedAt());
          s.setDouble(4, v.latencyMs());
          s.setLong(5, v.updatedAt());
          s.setLong(6, v.successes());
          s.setLong(7, v.failures());
          s.setLong(8, v.confirmed());
          s.addBatch();
        }
        s.executeBatch();
        c.commit();
      } catch (SQLException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the original failure is what matters
        }
        throw new IllegalStateException("node.db: cannot store scores: " + e.getMessage(), e);
      } finally {
        try {
          c.setAutoCommit(true);
        } catch (SQLException ignored) {
          // connection is broken; the next use reports it
        }
      }
    }
  }
}
