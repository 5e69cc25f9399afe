package dev.tandem.registry.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Learning a peer from a stored record checks the peer policy, which looks a host name up; a record's URL can name a
 * host whose name server never answers. Storing the record must not wait for that.
 */
class PeerTableTest {
  static ServerRecord server(String url) {
    KeyPair k = KeyPair.generate();
    return new ServerRecord(k.publicKey(), URI.create(url), List.of(), List.of(), ServerRecord.Capacity.defaults(), 1,
        false, null).signedBy(k);
  }

  /**
   * Healthy learned peers are never evicted for a newcomer, so whoever registered the first servers to answer would
   * hold every learned slot for good: learned URLs take turns instead.
   */
  @Test
  void learnedUrlsBeyondTheCapTakeTurns() throws Exception {
    PeerTable table = new PeerTable(null, 16, url -> true, 2);
    try {
      List<URI> all = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        table.learn(server("http://127.0.0." + (10 + i) + ":7400"));
        all.add(URI.create("http://127.0.0." + (10 + i) + ":7400"));
      }
      assertThat(table.urls()).hasSize(2);
      java.util.Set<URI> seen = new java.util.HashSet<>(table.urls());
      for (int turn = 0; turn < 200 && seen.size() < 4; turn++) {
        table.rotate(); // judged on the table's own thread: give it a moment
        Thread.sleep(5);
        assertThat(table.urls().size()).isLessThanOrEqualTo(2); // one out, one in: never more than the cap
        seen.addAll(table.urls());
      }
      Thread.sleep(50);
      assertThat(table.urls()).hasSize(2);
      assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
    } finally {
      table.close();
    }
  }

  @Test
  void aNameIsJudgedOffTheStoringThreadAndAnAddressAtOnce() throws Exception {
    CountDownLatch lookedUp = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    PeerTable table = new PeerTable(null, 16, url -> {
      if (url.getHost().endsWith(".stalls.test")) {
        lookedUp.countDown();
        try {
          answer.await(30, TimeUnit.SECONDS); // a name server that takes its time
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return true;
    }, 128);
    try {
      long start = System.nanoTime();
      table.learn(server("http://node.stalls.test:7400"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      assertThat(lookedUp.await(10, TimeUnit.SECONDS)).isTrue();

      table.learn(server("http://127.0.0.7:7400")); // an address: no lookup to wait for
      assertThat(table.urls()).containsExactly(URI.create("http://127.0.0.7:7400"));

      answer.countDown(); // the name resolved: now it is a peer too
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (table.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(table.urls()).contains(URI.create("http://node.stalls.test:7400"));
    } finally {
      table.close();
    }
  }
}
