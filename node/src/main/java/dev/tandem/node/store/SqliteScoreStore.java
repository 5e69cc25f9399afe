package dev.tandem.node.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.ServerScore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** The node's scores of other servers, in {@code node.db}, so they survive restarts and crashes. */
public final class SqliteScoreStore implements ScoreStore {
  private final NodeDb db;

  public SqliteScoreStore(NodeDb db) {
    this.db = db;
    db.read("add the confirmed column to scores", c -> {
      // Confirmed answers (probation) came after the table: a node.db from before gets the column, counting 0.
      try (var s = c.createStatement()) {
        s.execute("ALTER TABLE scores ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0");
      } catch (SQLException alreadyThere) {
        // the column exists
      }
      return null;
    });
  }

  @Override
  public Map<PublicKey, ServerScore> loadAll() {
    return db.read("read scores", c -> {
      Map<PublicKey, ServerScore> out = new HashMap<>();
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
      }
      return out;
    });
  }

  @Override
  public void storeAll(Map<PublicKey, ServerScore> changed) {
    db.write("store scores", c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO scores (server, score, convicted_at, latency_ms, "
          + "updated_at, successes, failures, confirmed) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(server) "
          + "DO UPDATE SET score=excluded.score, convicted_at=excluded.convicted_at, latency_ms=excluded.latency_ms, "
          + "updated_at=excluded.updated_at, successes=excluded.successes, failures=excluded.failures, "
          + "confirmed=excluded.confirmed")) {
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
      }
      return null;
    });
  }
}
