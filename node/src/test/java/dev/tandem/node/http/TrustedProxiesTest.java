package dev.tandem.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Behind the operator's reverse proxy, a caller is the rightmost address of {@code X-Forwarded-For} that is not one of
 * the operator's proxies: what is left of it the caller wrote itself, and a caller cannot name someone else to spend
 * their quota, nor escape its own by naming many.
 */
class TrustedProxiesTest {
  final TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.5", "192.168.0.0/16", "2001:db8::/32"));

  @Test
  void aRequestFromATrustedProxyIsKeyedByTheCallerItNames() {
    assertThat(proxies.caller("10.0.0.5", "203.0.113.9")).isEqualTo("203.0.113.9");
    // Two of the operator's proxies in a row: the caller is before them.
    assertThat(proxies.caller("10.0.0.5", "203.0.113.9, 192.168.4.4")).isEqualTo("203.0.113.9");
    assertThat(proxies.caller("[2001:db8::1]", "198.51.100.2")).isEqualTo("198.51.100.2");
  }

  @Test
  void whatTheCallerWroteItselfIsNotBelieved() {
    // The caller sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the address it saw.
    assertThat(proxies.caller("10.0.0.5", "1.1.1.1, 203.0.113.9")).isEqualTo("203.0.113.9");
    // A request straight from a stranger: its header is ignored.
    assertThat(proxies.caller("203.0.113.9", "1.1.1.1")).isEqualTo("203.0.113.9");
    // Garbage where the proxy's entry should be: the proxy itself is the caller.
    assertThat(proxies.caller("10.0.0.5", "1.1.1.1, not-an-address")).isEqualTo("10.0.0.5");
    assertThat(proxies.caller("10.0.0.5", null)).isEqualTo("10.0.0.5");
  }

  @Test
  void noProxyMeansEveryRequestIsItsRemoteAddress() {
    assertThat(TrustedProxies.NONE.caller("10.0.0.5", "203.0.113.9")).isEqualTo("10.0.0.5");
  }

  @Test
  void networksAndAddressesAreMatchedByPrefix() {
    assertThat(proxies.trusts("192.168.255.1")).isTrue();
    assertThat(proxies.trusts("192.169.0.1")).isFalse();
    assertThat(proxies.trusts("10.0.0.6")).isFalse();
    assertThat(proxies.trusts("[2001:db8:ffff::1]")).isTrue();
    assertThat(proxies.trusts("example.org")).isFalse(); // never a lookup
  }

  @Test
  void anEntryThatIsNoAddressIsRefusedNamingTheFlag() {
    assertThatThrownBy(() -> TrustedProxies.of(List.of("proxy.example.org")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--trusted-proxy");
    assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--trusted-proxy");
  }
}
