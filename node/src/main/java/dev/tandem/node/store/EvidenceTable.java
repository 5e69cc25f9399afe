package dev.tandem.node.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.Judgement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Evidence in {@code node.db}: judged items by id with their verdicts (table {@code evidence}, numbered by
 * {@code seq} in the order stored), the convictions they made ({@code convictions}), and where this node's pull of
 * each peer's log stands ({@code evidence_peers}).
 */
public final class EvidenceTable {
  /** Reads one stored item of a page; answers whether to read on. */
  @FunctionalInterface
  public interface Row {
    boolean take(long seq, String json);
  }

  private final NodeDb db;

  public EvidenceTable(NodeDb db) {
    this.db = db;
  }

  /** The id of this file's evidence log: feed cursors are positions in it. */
  public String logId() {
    return db.evidenceLogId();
  }

  /** The verdict stored for {@code id}, without keys; empty when none (or only a pending one, from older releases). */
  public Optional<Judgement> known(String id) {
    return db.read("read evidence", c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT verdict, detail FROM evidence WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet r = s.executeQuery()) {
          if (r.next() && !r.getString(1).equals("pending")) {
            return Optional.of(new Judgement(r.getString(1), null, List.of(), List.of(), r.getString(2)));
          }
        }
      }
      return Optional.empty();
    });
  }

  /** Stores a verdict (never a pending one) received at {@code atMillis} and its convictions, in one transaction. */
  public void store(String id, Evidence evidence, Judgement verdict, long atMillis) {
    db.write("store evidence", c -> {
      long seq; // its place in the order tandem_evidence serves: a verdict stored again moves to the end
      try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) + 1 FROM evidence");
          ResultSet r = s.executeQuery()) {
        seq = r.getLong(1);
      }
      try (PreparedStatement s = c.prepareStatement("INSERT OR REPLACE INTO evidence (id, service, request_hash, "
          + "json, received_at, verdict, detail, seq) VALUES (?,?,?,?,?,?,?,?)")) {
        s.setString(1, id);
        s.setString(2, evidence.service());
        s.setString(3, evidence.request().requestHash());
        s.setString(4, evidence.toJson().toString());
        s.setLong(5, atMillis);
        s.setString(6, verdict.status());
        s.setString(7, verdict.detail() + (verdict.convicted().isEmpty() ? "" : "; convicted " + verdict.convicted()));
        s.setLong(8, seq);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("INSERT OR IGNORE INTO convictions VALUES (?,?,?,?,?)")) {
        for (PublicKey liar : verdict.convicted()) {
          s.setString(1, liar.toString());
          s.setString(2, evidence.service());
          s.setString(3, evidence.request().requestHash());
          s.setLong(4, atMillis);
          s.setString(5, id);
          s.addBatch();
        }
        s.executeBatch();
      }
      return null;
    });
  }

  /**
   * Hands {@code row} the convicting evidence stored after {@code cursor}, in order, up to {@code limit} items or
   * until it answers false.
   *
   * @return the highest {@code seq} stored, convicting or not, read in the same unit of work (where the log ended
   *     when the page was read)
   */
  public long convicting(long cursor, int limit, Row row) {
    return db.read("read evidence", c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT seq, json FROM evidence "
          + "WHERE seq > ? AND verdict = 'convicted' ORDER BY seq LIMIT ?")) {
        s.setLong(1, cursor);
        s.setInt(2, limit);
        try (ResultSet r = s.executeQuery()) {
          while (r.next() && row.take(r.getLong(1), r.getString(2))) {
            // read on
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM evidence");
          ResultSet r = s.executeQuery()) {
        return r.getLong(1);
      }
    });
  }

  /** Where the pull of {@code peer}'s log stands ({@link LogPosition#START} before the first page). */
  public LogPosition cursor(String peer) {
    return db.read("read an evidence cursor", c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT cursor, log FROM evidence_peers WHERE peer = ?")) {
        s.setString(1, peer);
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? new LogPosition(r.getString(2), r.getLong(1)) : LogPosition.START;
        }
      }
    });
  }

  /** Saves where the pull of {@code peer}'s log stands. */
  public void saveCursor(String peer, LogPosition position, long atMillis) {
    db.read("save an evidence cursor", c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT OR REPLACE INTO evidence_peers (peer, cursor, log, "
          + "updated_at) VALUES (?,?,?,?)")) {
        s.setString(1, peer);
        s.setLong(2, position.cursor());
        s.setString(3, position.log());
        s.setLong(4, atMillis);
        return s.executeUpdate();
      }
    });
  }

  /** A judged item as stored: when it came and its JSON. */
  public record StoredItem(long atMillis, String json) {}

  /** A stored conviction, with the JSON of the evidence that made it (null when that row is gone). */
  public record StoredConviction(String server, String service, String requestHash, long atMillis,
      String evidenceJson) {}

  /** The last {@code limit} judged items, oldest first. */
  public List<StoredItem> recent(int limit) {
    return db.read("read evidence", c -> {
      List<StoredItem> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT received_at, json FROM (SELECT received_at, json, seq "
          + "FROM evidence WHERE verdict <> 'pending' ORDER BY seq DESC LIMIT ?) ORDER BY seq")) {
        s.setInt(1, limit);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            out.add(new StoredItem(r.getLong(1), r.getString(2)));
          }
        }
      }
      return out;
    });
  }

  /** The last {@code limit} convictions, oldest first. */
  public List<StoredConviction> recentConvictions(int limit) {
    return db.read("read convictions", c -> {
      List<StoredConviction> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT server, service, request_hash, at, json FROM (SELECT "
          + "c.server, c.service, c.request_hash, c.at, e.json FROM convictions c LEFT JOIN evidence e "
          + "ON e.id = c.evidence ORDER BY c.at DESC LIMIT ?) ORDER BY at")) {
        s.setInt(1, limit);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            out.add(new StoredConviction(r.getString(1), r.getString(2), r.getString(3), r.getLong(4),
                r.getString(5)));
          }
        }
      }
      return out;
    });
  }
}
