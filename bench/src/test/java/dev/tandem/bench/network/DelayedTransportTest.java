package dev.tandem.bench.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.rpc.Transport;
import java.net.URI;
import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class DelayedTransportTest {
  static final Transport ECHO = (url, body, timeout) -> CompletableFuture.completedFuture(new Transport.Reply(200,
      body));

  @Test
  void roundTripsLieWithinTheJitterAroundTheMean() {
    try (DelayedTransport t = new DelayedTransport(ECHO, Duration.ofMillis(20), Duration.ofMillis(5), 1)) {
      LongSummaryStatistics s = LongStream.range(0, 10_000).map(i -> t.draw()).summaryStatistics();
      assertThat(s.getMin()).isGreaterThanOrEqualTo(15_000_000L).isLessThan(15_100_000L);
      assertThat(s.getMax()).isLessThanOrEqualTo(25_000_000L).isGreaterThan(24_900_000L);
      assertThat(s.getAverage()).isBetween(19_800_000.0, 20_200_000.0);
    }
  }

  @Test
  void anAnswerComesNoSoonerThanItsRoundTrip() throws Exception {
    try (DelayedTransport t = new DelayedTransport(ECHO, Duration.ofMillis(30), Duration.ZERO, 1)) {
      long t0 = System.nanoTime();
      Transport.Reply reply = t.post(URI.create("http://x.test/"), new byte[] {7}, Duration.ofSeconds(1)).get();
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(30_000_000L);
      assertThat(reply.body()).containsExactly(7);
    }
    assertThatThrownBy(() -> new DelayedTransport(ECHO, Duration.ofMillis(5), Duration.ofMillis(6), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
