package dev.tandem.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Quotas per address: one IPv4 address, or one IPv6 /48, the prefix one party can hold whole. */
class CallerAddressTest {
  @Test
  void anIpv6CallerIsKeyedByItsSlash48() {
    assertThat(CallerAddress.of("[2001:db8:1234:5678::1]")).isEqualTo("2001:db8:1234::/48");
    // Every /64 (and /56) of the same /48 is the same caller.
    assertThat(CallerAddress.of("2001:db8:1234:ffff:1:2:3:4")).isEqualTo(CallerAddress.of("2001:db8:1234:1::9"));
    assertThat(CallerAddress.of("2001:db8:1235::1")).isNotEqualTo(CallerAddress.of("2001:db8:1234::1"));
  }

  @Test
  void anIpv4CallerIsItsAddress() {
    assertThat(CallerAddress.of("203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(CallerAddress.of("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(CallerAddress.of(null)).isNull();
  }
}
