package dev.tandem.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The registry's writes ({@code tandem_submitRecord}, stored in {@code registry.db}, table {@code records}): new
 * services, new servers, and a new seq of one server again and again (a row replaced in one transaction).
 */
final class RecordWriters {
  private RecordWriters() {}

  static List<AckedWriter> all() {
    return List.of(new NewServices(), new NewServers(), new SeqBumps());
  }

  /** Acknowledged means the node answered {@code stored} or {@code already_known}: it holds the record. */
  private static void submit(NodeClient node, dev.tandem.core.record.SignedRecord record) throws Exception {
    String status = node.submit(record, null).path("status").asText();
    if (!status.equals("stored") && !status.equals("already_known")) {
      throw new IllegalStateException("unexpected answer " + status);
    }
  }

  /** Whether the table holds a row of this type and id. */
  private static boolean has(Connection db, String type, String id) throws Exception {
    try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM records WHERE type = ? AND id = ?")) {
      q.setString(1, type);
      q.setString(2, id);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** A new ServiceRecord each time (module-less: the registry stores records whatever modules are around). */
  static final class NewServices implements AckedWriter {
    private final KeyPair owner = KeyPair.generate();
    private final AtomicLong n = new AtomicLong();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();

    @Override public String name() { return "new services"; }
    @Override public String database() { return "registry.db"; }
    @Override public int acknowledged() { return acked.size(); }

    @Override
    public void writeOne(Target node, RandomGenerator random) throws Exception {
      byte[] module = new byte[16];
      random.nextBytes(module);
      ServiceRecord r = ServiceRecord.builder().name("crash-" + n.incrementAndGet()).module(Cid.rawSha256(module))
          .sign(owner);
      submit(node.rpc(), r);
      acked.add(r.serviceId());
    }

    @Override
    public void verify(Connection db) throws Exception {
      List<String> missing = new ArrayList<>();
      for (String id : acked) {
        if (!has(db, ServiceRecord.TYPE, id)) {
          missing.add(id);
        }
      }
      assertThat(missing).as("acknowledged services missing after the kill").isEmpty();
    }
  }

  /** A ServerRecord under a fresh key each time. */
  static final class NewServers implements AckedWriter {
    private final Set<String> acked = ConcurrentHashMap.newKeySet();

    @Override public String name() { return "new servers"; }
    @Override public String database() { return "registry.db"; }
    @Override public int acknowledged() { return acked.size(); }

    @Override
    public void writeOne(Target node, RandomGenerator random) throws Exception {
      KeyPair k = KeyPair.generate();
      submit(node.rpc(), new ServerRecord(k.publicKey(), URI.create("http://127.0.0.1:9"), List.of(), List.of(),
          ServerRecord.Capacity.defaults(), 1, false, null).signedBy(k));
      acked.add(k.publicKey().toString());
    }

    @Override
    public void verify(Connection db) throws Exception {
      List<String> missing = new ArrayList<>();
      for (String key : acked) {
        if (!has(db, ServerRecord.TYPE, key)) {
          missing.add(key);
        }
      }
      assertThat(missing).as("acknowledged servers missing after the kill").isEmpty();
    }
  }

  /**
   * One server's record under an ever higher seq: each store deletes the previous row and inserts the new one in one
   * transaction, so a torn write would show as no row, or an older seq than one already acknowledged.
   */
  static final class SeqBumps implements AckedWriter {
    private final KeyPair key = KeyPair.generate();
    private final AtomicLong nextSeq = new AtomicLong(1);
    private final AtomicLong highestAcked = new AtomicLong();
    private final AtomicLong count = new AtomicLong();

    @Override public String name() { return "seq bumps"; }
    @Override public String database() { return "registry.db"; }
    @Override public int acknowledged() { return (int) count.get(); }

    @Override
    public void writeOne(Target node, RandomGenerator random) throws Exception {
      long seq = nextSeq.getAndIncrement();
      URI url = URI.create("http://127.0.0.1:" + (1 + seq % 60000));
      submit(node.rpc(), new ServerRecord(key.publicKey(), url, List.of(), List.of(),
          ServerRecord.Capacity.defaults(), seq, false, null).signedBy(key));
      highestAcked.accumulateAndGet(seq, Math::max);
      count.incrementAndGet();
    }

    @Override
    public void verify(Connection db) throws Exception {
      if (highestAcked.get() == 0) {
        return;
      }
      try (PreparedStatement q = db.prepareStatement(
          "SELECT count(*), max(server_seq) FROM records WHERE type = 'server' AND id = ?")) {
        q.setString(1, key.publicKey().toString());
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).as("rows for the seq-bumped server").isEqualTo(1);
          assertThat(rs.getLong(2)).as("stored seq vs the highest acknowledged").isGreaterThanOrEqualTo(
              highestAcked.get());
        }
      }
    }
  }
}
