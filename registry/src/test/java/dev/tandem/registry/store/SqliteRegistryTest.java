package dev.tandem.registry.store;

import static dev.tandem.registry.TestRecords.key;
import static dev.tandem.registry.TestRecords.server;
import static dev.tandem.registry.TestRecords.service;
import static dev.tandem.registry.TestRecords.unsignedServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import dev.tandem.registry.Registry.Page;
import dev.tandem.registry.Registry.Submitted;
import dev.tandem.core.rpc.LogPosition;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteRegistryTest {
  private static final KeyPair OWNER = key(1);
  private static final KeyPair NODE = key(2);
  private static final String URL = "http://127.0.0.1:7001";

  @TempDir
  Path dir;

  private Path db() {
    return dir.resolve("registry.db");
  }

  private static List<SignedRecord> all(Registry r) {
    List<SignedRecord> out = new ArrayList<>();
    long cursor = 0;
    Page page;
    do {
      page = r.since(cursor, 1000);
      out.addAll(page.records());
      cursor = page.next();
    } while (page.more());
    return out;
  }

  private static RecordException rejected(Registry r, SignedRecord record) {
    try {
      r.submit(record);
    } catch (RecordException e) {
      return e;
    }
    throw new AssertionError("expected " + record + " to be rejected");
  }

  @Test
  void recordsSurviveCloseAndReopen() {
    ServiceRecord search = service(OWNER, "search");
    ServerRecord node = server(NODE, URL, 3, List.of(search.serviceId()));
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.submit(search)).isEqualTo(Submitted.STORED);
      assertThat(r.submit(node)).isEqualTo(Submitted.STORED);
    }
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.service(search.serviceId())).contains(search);
      assertThat(r.server(NODE.publicKey())).contains(node);
      assertThat(r.serversOffering(search.serviceId())).containsExactly(node);
      assertThat(all(r)).containsExactly(search, node);
      // the rules hold across the reopen: the stored seq is remembered
      assertThat(rejected(r, server(NODE, URL, 2, List.of())).field()).isEqualTo("seq");
      assertThat(r.submit(search)).isEqualTo(Submitted.ALREADY_KNOWN);
    }
  }

  @Test
  void acknowledgedRecordsAreOnDiskWithoutAnOrderlyClose() throws Exception {
    SqliteRegistry first = SqliteRegistry.open(db());
    try {
      List<ServiceRecord> services = IntStream.range(0, 5).mapToObj(i -> service(OWNER, "svc" + i)).toList();
      services.forEach(first::submit);
      first.submit(server(NODE, URL, 1, List.of()));
      first.submit(server(NODE, URL, 2, List.of(services.get(0).serviceId())));
      // `first` is never closed here: nothing is flushed or checkpointed on its behalf. A second, independent
      // connection must find every acknowledged record in the file (WAL included), as a restarted node would.
      try (SqliteRegistry second = SqliteRegistry.open(db())) {
        assertThat(second.services()).containsExactlyInAnyOrderElementsOf(services);
        assertThat(second.server(NODE.publicKey())).map(ServerRecord::seq).contains(2L);
        assertThat(all(second)).hasSize(6);
      }
      try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db());
          Statement st = raw.createStatement();
          ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("ok");
      }
    } finally {
      first.close();
    }
  }

  @Test
  void theFileIsInWalModeWithFullSync() throws Exception {
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.pragma("journal_mode")).isEqualTo("wal");
      assertThat(r.pragma("synchronous")).isEqualTo("2"); // FULL: fsync at every commit, so an ack is durable
    }
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = raw.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal"); // WAL is a property of the file, so it shows here too
    }
  }

  @Test
  void staleServerRecordIsRejectedNamingSeqAndNothingChanges() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      ServerRecord five = server(NODE, URL, 5, List.of());
      r.submit(five);
      long end = r.since(0, 10).next();

      RecordException e = rejected(r, server(NODE, "http://127.0.0.1:7002", 3, List.of()));

      assertThat(e.field()).isEqualTo("seq");
      assertThat(e.getMessage()).isEqualTo("seq: 3 is not newer than the stored 5");
      assertThat(r.server(NODE.publicKey())).contains(five);
      assertThat(r.since(0, 10)).isEqualTo(new Page(List.of(five), end, false));
    }
  }

  @Test
  void sameSeqWithDifferentContentIsRejectedAndSameRecordIsAlreadyKnown() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      ServerRecord five = server(NODE, URL, 5, List.of());
      assertThat(r.submit(five)).isEqualTo(Submitted.STORED);
      assertThat(r.submit(server(NODE, URL, 5, List.of()))).isEqualTo(Submitted.ALREADY_KNOWN);

      RecordException e = rejected(r, server(NODE, "http://127.0.0.1:9999", 5, List.of()));

      assertThat(e.field()).isEqualTo("seq");
      assertThat(e.getMessage()).contains("5 is already used by a different record");
      assertThat(r.server(NODE.publicKey())).contains(five);
      assertThat(all(r)).containsExactly(five);
    }
  }

  @Test
  void wrongOrMissingSignatureIsRejectedNamingSigAndNothingIsStored() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      List<String> events = new CopyOnWriteArrayList<>();
      r.onStored(rec -> events.add(rec.type()));
      ServerRecord unsigned = unsignedServer(NODE, URL, 1, List.of(), false);
      // signed by a key other than the one the record names
      ServerRecord forged = new ServerRecord(NODE.publicKey(), URI.create(URL), List.of(), List.of(),
          ServerRecord.Capacity.defaults(), 1, false, key(99).sign(unsigned.signingBytes()));

      assertThat(rejected(r, forged).field()).isEqualTo("sig");
      assertThat(rejected(r, unsigned).field()).isEqualTo("sig");

      assertThat(r.server(NODE.publicKey())).isEmpty();
      assertThat(all(r)).isEmpty();
      assertThat(events).isEmpty();
    }
  }

  @Test
  void tamperedRecordsAreRejectedNamingSig() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      ObjectNode serverJson = server(NODE, URL, 1, List.of()).toJson();
      serverJson.put("url", "http://evil.example:7001"); // redirect traffic, keep the signature
      ObjectNode serviceJson = service(OWNER, "search").toJson();
      ((ObjectNode) serviceJson.get("limits")).put("fuel", 1); // starve the service, keep the signature

      SignedRecord tamperedServer = SignedRecord.fromJson(serverJson);
      SignedRecord tamperedService = SignedRecord.fromJson(serviceJson);

      assertThat(rejected(r, tamperedServer).field()).isEqualTo("sig");
      assertThat(rejected(r, tamperedService).field()).isEqualTo("sig");
      assertThat(r.services()).isEmpty();
      assertThat(r.service(((ServiceRecord) tamperedService).serviceId())).isEmpty();
      assertThat(all(r)).isEmpty();
    }
  }

  @Test
  void aRecordTooLargeToExchangeIsRejectedEvenWhenBuiltInCode() {
    // 2 × 1,000 service ids fit the per-list limits of the constructor but not the 64 KiB record limit.
    List<String> ids = IntStream.range(0, 1000)
        .mapToObj(i -> Cid.rawSha256(("m" + i).getBytes(StandardCharsets.UTF_8)).toString()).toList();
    ServerRecord huge = new ServerRecord(NODE.publicKey(), URI.create(URL), ids, ids,
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(NODE);
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      assertThat(rejected(r, huge).field()).isEqualTo("record");
      assertThat(all(r)).isEmpty();
    }
  }

  @Test
  void aServiceIsStoredOnceAndSubmittingItAgainIsHarmless() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      List<SignedRecord> events = new CopyOnWriteArrayList<>();
      r.onStored(events::add);
      ServiceRecord search = service(OWNER, "search");

      assertThat(r.submit(search)).isEqualTo(Submitted.STORED);
      assertThat(r.submit(search)).isEqualTo(Submitted.ALREADY_KNOWN);
      // the same record, received as JSON from elsewhere
      assertThat(r.submit(SignedRecord.fromJson(search.toJson()))).isEqualTo(Submitted.ALREADY_KNOWN);

      assertThat(r.services()).containsExactly(search);
      assertThat(all(r)).containsExactly(search);
      assertThat(events).containsExactly(search);
    }
  }

  @Test
  void sincePagesInStoreOrderWithGrowingCursors() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      List<SignedRecord> expected = new ArrayList<>();
      List<ServiceRecord> services = new ArrayList<>();
      ServerRecord first = server(NODE, URL, 1, List.of());
      r.submit(first);
      for (int i = 0; i < 5; i++) {
        ServiceRecord s = service(OWNER, "svc" + i);
        r.submit(s);
        expected.add(s);
        services.add(s);
      }
      ServerRecord second = server(NODE, URL, 2, List.of(services.get(0).serviceId()));
      r.submit(second); // supersedes `first`: it leaves the log, `second` comes last
      expected.add(second);

      List<SignedRecord> seen = new ArrayList<>();
      List<Long> cursors = new ArrayList<>();
      long cursor = 0;
      Page page;
      do {
        page = r.since(cursor, 2);
        assertThat(page.records()).hasSizeBetween(1, 2);
        assertThat(page.next()).isGreaterThan(cursor);
        seen.addAll(page.records());
        cursor = page.next();
        cursors.add(cursor);
      } while (page.more());

      assertThat(seen).containsExactlyElementsOf(expected);
      assertThat(cursors).isSorted().doesNotHaveDuplicates().hasSize(3);
      // nothing after the end; a cursor beyond the end (from an older log) is answered with the end, below it
      assertThat(r.since(cursor, 10)).isEqualTo(new Page(List.of(), cursor, false));
      Page beyond = r.since(cursor + 100, 10);
      assertThat(beyond.records()).isEmpty();
      assertThat(beyond.next()).isEqualTo(cursor);
      // a record stored later appears after the cursor a reader already holds
      ServiceRecord late = service(OWNER, "late");
      r.submit(late);
      assertThat(r.since(cursor, 10).records()).containsExactly(late);
      assertThatThrownBy(() -> r.since(-1, 10)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.since(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void currentServersExcludeRetiredOnesAndIndexTheirOffers() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      ServiceRecord a = service(OWNER, "a");
      ServiceRecord b = service(OWNER, "b");
      KeyPair other = key(3);
      ServerRecord n1 = server(NODE, URL, 1, List.of(a.serviceId(), b.serviceId()));
      ServerRecord n2 = server(other, "http://127.0.0.1:7002", 1, List.of(a.serviceId()));
      r.submit(a);
      r.submit(b);
      r.submit(n1);
      r.submit(n2);
      assertThat(r.serversOffering(a.serviceId())).containsExactlyInAnyOrder(n1, n2);
      assertThat(r.serversOffering(b.serviceId())).containsExactly(n1);
      assertThat(r.servers()).isSortedAccordingTo((x, y) -> x.key().compareTo(y.key())).hasSize(2);

      ServerRecord retired = unsignedServer(NODE, URL, 2, List.of(a.serviceId()), true).signedBy(NODE);
      r.submit(retired);

      assertThat(r.servers()).containsExactly(n2);
      assertThat(r.server(NODE.publicKey())).contains(retired);
      assertThat(r.serversOffering(a.serviceId())).containsExactly(n2);
      assertThat(r.serversOffering(b.serviceId())).isEmpty();
      assertThat(r.serversOffering("bafkreinothing")).isEmpty();
    }
  }

  @Test
  void resolveFindsByIdOrByNameNewestFirst() {
    try (SqliteRegistry r = SqliteRegistry.inMemory()) {
      ServiceRecord old = ServiceRecord.builder().name("search").version("1").createdAt(1_000)
          .module(Cid.rawSha256(new byte[] {1})).sign(OWNER);
      ServiceRecord newer = ServiceRecord.builder().name("search").version("2").createdAt(2_000)
          .module(Cid.rawSha256(new byte[] {2})).sign(key(4));
      ServiceRecord zeta = service(OWNER, "zeta");
      r.submit(zeta);
      r.submit(old);
      r.submit(newer);
      assertThat(r.resolve("search")).containsExactly(newer, old);
      assertThat(r.resolve(old.serviceId())).containsExactly(old);
      assertThat(r.resolve("nothing")).isEmpty();
      assertThat(r.services()).extracting(ServiceRecord::name).containsExactly("search", "search", "zeta");
    }
  }

  @Test
  void concurrentSubmitsKeepTheHighestSeqAndLoseNothing() throws Exception {
    int threads = 6;
    int seqs = 40;
    List<ServerRecord> versions = IntStream.rangeClosed(1, seqs)
        .mapToObj(s -> server(NODE, URL, s, List.of())).toList();
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          List<ServerRecord> mine = new ArrayList<>(versions);
          Collections.shuffle(mine, new Random(thread));
          go.await();
          for (int i = 0; i < mine.size(); i++) {
            try {
              r.submit(mine.get(i));
            } catch (RecordException e) {
              assertThat(e.field()).isEqualTo("seq"); // lost a race to a newer one: the only acceptable refusal
            }
            r.submit(service(OWNER, "t" + thread + "-" + i));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(r.server(NODE.publicKey())).map(ServerRecord::seq).contains((long) seqs);
      assertThat(r.services()).hasSize(threads * seqs);
      assertThat(all(r)).hasSize(threads * seqs + 1);
    }
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.server(NODE.publicKey())).map(ServerRecord::seq).contains((long) seqs);
      assertThat(r.services()).hasSize(threads * seqs);
    }
  }

  @Test
  void schemaVersionIsRecordedAndANewerFileIsRefused() throws Exception {
    SqliteRegistry.open(db()).close();
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = raw.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT version FROM schema_version")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(Schema.CURRENT);
        assertThat(rs.next()).isFalse();
      }
      st.execute("UPDATE schema_version SET version = " + (Schema.CURRENT + 1));
    }
    assertThatThrownBy(() -> SqliteRegistry.open(db())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema version " + (Schema.CURRENT + 1));
  }

  @Test
  void anUnreadableRowIsSkippedNotFatal() throws Exception {
    ServiceRecord good = service(OWNER, "good");
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      r.submit(good);
    }
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = raw.createStatement()) {
      st.execute("INSERT INTO records (type, id, json, stored_at) VALUES ('service', 'bafkreix', x'7b7d', 0)");
    }
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.services()).containsExactly(good);
      assertThat(all(r)).containsExactly(good);
    }
  }

  @Test
  void peerCursorsArePersisted() {
    URI peer = URI.create("http://10.0.0.2:7001");
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.peerCursors().cursor(peer)).isZero();
      r.peerCursors().saveCursor(peer, 41);
      r.peerCursors().saveCursor(peer, 42);
    }
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.peerCursors().cursor(peer)).isEqualTo(42);
      assertThat(r.peerCursors().cursor(URI.create("http://10.0.0.3:7001"))).isZero();
    }
  }

  @Test
  void peerCursorsKeepThePeersLogIdWithTheCursor() {
    URI peer = URI.create("http://10.0.0.2:7001");
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.peerCursors().position(peer)).isEqualTo(LogPosition.START);
      r.peerCursors().save(peer, new LogPosition("aaaa", 7));
      r.peerCursors().saveCursor(peer, 9); // the cursor alone: the log id stays
    }
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.peerCursors().position(peer)).isEqualTo(new LogPosition("aaaa", 9));
      r.peerCursors().save(peer, new LogPosition("bbbb", 0));
      assertThat(r.peerCursors().position(peer)).isEqualTo(new LogPosition("bbbb", 0));
    }
    assertThatThrownBy(() -> new LogPosition("x", -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cursor");
  }

  @Test
  void theLogIdSurvivesReopeningAndDiffersBetweenFiles() {
    String first;
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      first = r.logId();
      r.submit(service(OWNER, "search"));
    }
    assertThat(first).matches("[0-9a-f]{32}");
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.logId()).isEqualTo(first);
    }
    try (SqliteRegistry other = SqliteRegistry.open(dir.resolve("other.db"));
        SqliteRegistry memory = SqliteRegistry.inMemory()) {
      assertThat(other.logId()).matches("[0-9a-f]{32}").isNotEqualTo(first);
      assertThat(memory.logId()).matches("[0-9a-f]{32}").isNotEqualTo(first).isNotEqualTo(other.logId());
    }
  }

  @Test
  void aFileOfSchemaVersion1MigratesKeepingItsRecordsAndCursorsAndGetsALogId() throws Exception {
    ServiceRecord search = service(OWNER, "search");
    ServerRecord node = server(NODE, URL, 1, List.of(search.serviceId()));
    URI peer = URI.create("http://10.0.0.2:7001");
    // A file as release 1 wrote it: migration 1 exactly, its version, two records and a peer's cursor.
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = raw.createStatement()) {
      Schema.MIGRATIONS.getFirst().step().apply(raw);
      st.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      st.execute("INSERT INTO schema_version (version) VALUES (1)");
      try (PreparedStatement ins = raw.prepareStatement(
          "INSERT INTO records (type, id, server_seq, json, stored_at) VALUES (?, ?, ?, ?, 0)")) {
        for (SignedRecord r : List.of(search, node)) {
          ins.setString(1, r.type());
          ins.setString(2, SqliteRegistry.idOf(r));
          ins.setObject(3, r instanceof ServerRecord s ? s.seq() : null);
          ins.setBytes(4, Jcs.canonicalize(r.toJson()));
          ins.executeUpdate();
        }
      }
      st.execute("INSERT INTO peer_cursors (peer, cursor, updated_at) VALUES ('" + peer + "', 17, 0)");
    }

    String logId;
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      logId = r.logId();
      assertThat(logId).matches("[0-9a-f]{32}");
      assertThat(all(r)).containsExactly(search, node);
      // the cursor stays, from a log the peer has not named yet
      assertThat(r.peerCursors().position(peer)).isEqualTo(new LogPosition("", 17));
      r.submit(service(OWNER, "after"));
    }
    try (SqliteRegistry r = SqliteRegistry.open(db())) {
      assertThat(r.logId()).isEqualTo(logId); // drawn once, at the migration
      assertThat(all(r)).hasSize(3);
    }
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = raw.createStatement();
        ResultSet rs = st.executeQuery("SELECT version FROM schema_version")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(Schema.CURRENT);
    }
  }

  @Test
  void aClosedRegistryRefusesWork() {
    SqliteRegistry r = SqliteRegistry.inMemory();
    r.close();
    r.close(); // idempotent
    assertThatThrownBy(() -> r.submit(service(OWNER, "x"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.since(0, 1)).isInstanceOf(IllegalStateException.class);
  }
}
