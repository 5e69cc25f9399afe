package dev.tandem.node.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.node.http.CallerAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeerHostQuotaTest {
  private final AtomicLong now = new AtomicLong(1_000);

  @Test
  void peersOfOneHostShareItsRecordsAndTheHourRefillsThem() {
    PeerHostQuota quota = new PeerHostQuota(2, now::get, CallerAddress::of);
    URI a = URI.create("http://203.0.113.7:7001");
    URI samehost = URI.create("http://203.0.113.7:7002/"); // another port, the same host
    URI other = URI.create("http://198.51.100.1:7001");
    quota.stored(a);
    quota.stored(samehost);
    assertThat(quota.room(a)).isZero();
    assertThat(quota.room(samehost)).isZero();
    assertThat(quota.room(other)).isEqualTo(2);
    now.addAndGet(HourlyQuota.HOUR_MS);
    assertThat(quota.room(a)).isEqualTo(2);
  }

  @Test
  void anIpv6SlashFortyEightIsOneHost() {
    PeerHostQuota quota = new PeerHostQuota(1, now::get, CallerAddress::of);
    quota.stored(URI.create("http://[2001:db8:1:aaaa::1]:7001"));
    assertThat(quota.room(URI.create("http://[2001:db8:1:bbbb::2]:7001"))).isZero();
    assertThat(quota.room(URI.create("http://[2001:db8:2::1]:7001"))).isEqualTo(1);
  }

  @Test
  void zeroMeansNoLimit() {
    PeerHostQuota quota = new PeerHostQuota(0, now::get, CallerAddress::of);
    URI a = URI.create("http://203.0.113.7:7001");
    quota.stored(a);
    assertThat(quota.room(a)).isEqualTo(Long.MAX_VALUE);
  }
}
