package dev.tandem.node.evidence;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.Judgement;
import dev.tandem.node.store.NodeDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Judged evidence in {@code node.db}: the verdict of each item by id, and the convictions it made. */
final class EvidenceStore {
  private final Connection db;
  private final Clock clock;

  EvidenceStore(NodeDb db, Clock clock) {
    this.db = db.connection();
    this.clock = clock;
  }

  /** The verdict stored for {@code id}, without keys; empty when none (or only a pending one, from older releases). */
  Optional<Judgement> known(String id) {
    synchronized (db) {
      try (PreparedStatement s = db.prepareStatement("SELECT verdict, detail FROM evidence WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet r = s.executeQuery()) {
          if (r.next() && !r.getString(1).equals("pending")) {
            return Optional.of(new Judgement(r.getString(1), null, List.of(), List.of(), r.getString(2)));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("node.db: " + e.getMessage(), e);
      }
    }
    return Optional.empty();
  }

  /** Stores a verdict (never a pending one) and its convictions, in one transaction. */
  void store(String id, Evidence evidence, Judgement verdict) {
    synchronized (db) {
      try {
        db.setAutoCommit(false);
        long seq; // its place in the order tandem_evidence serves: a verdict stored again moves to the end
        try (PreparedStatement s = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) + 1 FROM evidence");
            ResultSet r = s.executeQuery()) {
          seq = r.getLong(1);
        }
        try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO evidence (id, service, request_hash, "
            + "json, received_at, verdict, detail, seq) VALUES (?,?,?,?,?,?,?,?)")) {
          s.setString(1, id);
          s.setString(2, evidence.service());
          s.setString(3, evidence.request().requestHash());
          s.setString(4, evidence.toJson().toString());
          s.setLong(5, clock.millis());
          s.setString(6, verdict.status());
          s.setString(7, verdict.detail() + (verdict.convicted().isEmpty() ? ""
              : "; convicted " + verdict.convicted()));
          s.setLong(8, seq);
          s.executeUpdate();
        }
        try (PreparedStatement s = db.prepareStatement("INSERT OR IGNORE INTO convictions VALUES (?,?,?,?,?)")) {
          for (PublicKey liar : verdict.convicted()) {
            s.setString(1, liar.toString());
            s.setString(2, evidence.service());
            s.setString(3, evidence.request().requestHash());
            s.setLong(4, clock.millis());
            s.setString(5, id);
            s.addBatch();
          }
          s.executeBatch();
        }
        db.commit();
      } catch (SQLException e) {
        try {
          db.rollback();
        } catch (SQLException ignored) {
          // report the first failure
        }
        throw new IllegalStateException("node.db: cannot store evidence: " + e.getMessage(), e);
      } finally {
        try {
          db.setAutoCommit(true);
        } catch (SQLException ignored) {
          // broken connection shows up on next use
        }
      }
    }
  }
}
