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
