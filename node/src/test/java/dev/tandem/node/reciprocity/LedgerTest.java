package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.reciprocity.Ledger.PeerState;
import dev.tandem.node.reciprocity.Ledger.Totals;
import java.nio.file.Path;
import dev.tandem.node.store.NodeDb;
import dev.tandem.node.store.SqliteScoreStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  static final PublicKey ME = Fixtures.key("me").publicKey();
  static final PublicKey Y = Fixtures.key("Y").publicKey();
  static final PublicKey Z = Fixtures.key("Z").publicKey();
  static final String A = Fixtures.synthetic(0, 1, 1).serviceId(); // I reward it
  static final String T = Fixtures.synthetic(1, 1, 1).serviceId(); // Y and Z reward it
  static final String U = Fixtures.synthetic(2, 1, 1).serviceId(); // Z rewards it

  @TempDir Path dir;
  final List<ServerRecord> registry = new CopyOnWriteArrayList<>(List.of(
      Fixtures.server(ME, List.of(T, U), List.of(A), 1),
      Fixtures.server(Y, List.of(A), List.of(T), 1),
      Fixtures.server(Z, List.of(), List.of(T, U), 1)));

  Ledger open() throws Exception {
    return Ledger.open(dir.resolve("node.db"), ME, () -> List.copyOf(registry));
  }

  @Test
  void countsServedWorkForEveryPeerThatRewardsItAndObservedWorkOnlyForWhatIReward() throws Exception {
    try (Ledger ledger = open()) {
      ledger.served(T, 100);
      ledger.served(T, 50);
      ledger.served(U, 7);
      ledger.served(A, 9); // nobody but me rewards A: nobody to credit
      ledger.observed(Y, A, 70);
      ledger.observed(Y, T, 10); // I do not reward T: not counted
      ledger.observed(ME, A, 10); // my own work is not a peer's
      Map<PublicKey, Totals> totals = ledger.totals();
      assertThat(totals).containsOnlyKeys(Y, Z);
      assertThat(totals.get(Y)).isEqualTo(new Totals(2, 150, 1, 70));
      assertThat(totals.get(Z)).isEqualTo(new Totals(3, 157, 0, 0));
      assertThat(ledger.usage(Z)).containsExactlyInAnyOrder(
          new Ledger.Usage(T, new Totals(2, 150, 0, 0)), new Ledger.Usage(U, new Totals(1, 7, 0, 0)));
    }
    // Persisted, and added to after a restart.
    try (Ledger ledger = open()) {
      ledger.served(T, 1);
      assertThat(ledger.totals().get(Y)).isEqualTo(new Totals(3, 151, 1, 70));
    }
  }

  @Test
  void followsTheRegistryWhenRewardsChange() throws Exception {
    try (Ledger ledger = open()) {
      ledger.served(U, 5);
      registry.set(1, Fixtures.server(Y, List.of(A), List.of(T, U), 2)); // Y now rewards U too
      ledger.served(U, 5);
      assertThat(ledger.totals().get(Y)).isEqualTo(new Totals(1, 5, 0, 0));
      assertThat(ledger.totals().get(Z)).isEqualTo(new Totals(2, 10, 0, 0));
    }
  }

  @Test
  void concurrentCountsWhileFlushingLoseNothing() throws Exception {
    try (Ledger ledger = open()) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        threads.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < 5_000; i++) {
            ledger.served(U, 3);
          }
        }));
      }
      Thread flusher = Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 20; i++) {
          ledger.flush();
        }
      });
      for (Thread t : threads) {
        t.join();
      }
      flusher.join();
      assertThat(ledger.totals().get(Z)).isEqualTo(new Totals(20_000, 60_000, 0, 0));
    }
  }

  @Test
  void heldServicesAndPeerStatesRoundTripAndTheLedgerTablesAreInTheNodesWalFile() throws Exception {
    try (Ledger ledger = open()) {
      ledger.saveHeld(Map.of(T, new Held(Y, 2, 123), U, new Held(Z, 1, 456)));
      ledger.savePeerStates(Map.of(Y, new PeerState(1000L, null, null), Z, new PeerState(null, 2000L, 1),
          Fixtures.key("quiet").publicKey(), PeerState.NONE));
    }
    try (Ledger ledger = open()) {
      assertThat(ledger.held()).isEqualTo(Map.of(T, new Held(Y, 2, 123), U, new Held(Z, 1, 456)));
      assertThat(ledger.peerStates()).isEqualTo(Map.of(Y, new PeerState(1000L, null, null),
          Z, new PeerState(null, 2000L, 1)));
      ledger.saveHeld(Map.of());
      assertThat(ledger.held()).isEmpty();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("node.db"));
        ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
      List<String> tables = new ArrayList<>();
      try (ResultSet t = c.createStatement().executeQuery(
          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
        while (t.next()) {
          tables.add(t.getString(1));
        }
      }
      assertThat(tables).contains("ledger_held", "ledger_peers", "ledger_usage", "scores", "evidence");
    }
  }

  @Test
  void aLedgerOnTheNodesDatabaseSharesItsConnectionAndLeavesItOpen() throws Exception {
    try (NodeDb db = NodeDb.open(dir.resolve("node.db"))) {
      try (Ledger ledger = Ledger.open(db, ME, () -> List.copyOf(registry))) {
        ledger.saveHeld(Map.of(T, new Held(Y, 2, 123)));
      }
      try (Ledger again = Ledger.open(db, ME, () -> List.copyOf(registry))) {
        assertThat(again.held()).isEqualTo(Map.of(T, new Held(Y, 2, 123)));
      }
      assertThat(new SqliteScoreStore(db).loadAll()).isEmpty(); // the database is still open for the rest
    }
  }
}
