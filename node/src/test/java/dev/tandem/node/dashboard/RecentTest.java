package dev.tandem.node.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** However often the dashboard is asked for, it is built at most once a second, and nobody waits for a rebuild. */
class RecentTest {
  @Test
  void aBurstCostsOneBuildAndAStaleDocumentIsServedWhileTheNextIsBuilt() throws Exception {
    AtomicLong now = new AtomicLong(0);
    AtomicInteger builds = new AtomicInteger();
    CountDownLatch building = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Recent recent = new Recent(() -> {
      int n = builds.incrementAndGet();
      if (n == 2) {
        building.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new byte[] {(byte) n};
    }, 1000, now::get);

    for (int i = 0; i < 1000; i++) {
      assertThat(recent.get()).containsExactly(1);
    }
    assertThat(builds).hasValue(1);

    now.set(1000); // stale: one reader rebuilds, slowly
    Thread rebuilding = Thread.ofVirtual().start(recent::get);
    assertThat(building.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(recent.get()).as("the previous document, at once").containsExactly(1);
    release.countDown();
    rebuilding.join();
    assertThat(recent.get()).containsExactly(2);
    assertThat(builds).hasValue(2);
  }
}
