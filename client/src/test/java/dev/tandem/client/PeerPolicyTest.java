package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.net.PeerPolicy;
import dev.tandem.core.rpc.Transport;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a client's {@code auto} peer policy follows the reach of its bootstrap nodes. */
class PeerPolicyTest {
  private static PeerPolicy of(String... bootstrap) {
    return TandemClient.builder().bootstrap(List.of(bootstrap).stream().map(URI::create).toList()).options()
        .policy();
  }

  @Test
  void autoTakesTheReachOfTheMostLocalBootstrapNode() {
    assertThat(of("http://8.8.8.8:7400").name()).isEqualTo("public");
    assertThat(of("http://10.1.2.3:7400").name()).isEqualTo("private");
    assertThat(of("http://127.0.0.1:7400").name()).isEqualTo("loopback");
    assertThat(of("http://8.8.8.8:7400", "http://127.0.0.1:7400").name()).isEqualTo("loopback");
    PeerPolicy pub = of("http://8.8.8.8:7400");
    assertThat(pub.allows(URI.create("http://9.9.9.9:1"))).isTrue();
    assertThat(pub.allows(URI.create("http://127.0.0.1:7610"))).isFalse();
    assertThat(pub.allows(URI.create("http://192.168.1.1"))).isFalse();
    assertThat(pub.allows(URI.create("http://169.254.169.254"))).isFalse();
    assertThat(of("http://127.0.0.1:7400").allows(URI.create("http://127.0.0.1:7610"))).isTrue();
  }

  @Test
  void anExplicitPolicyWinsAndAClientWithItsOwnTransportContactsEveryServer() {
    assertThat(TandemClient.builder().bootstrap(URI.create("http://127.0.0.1:1")).peerPolicy("public").options()
        .policy().name()).isEqualTo("public");
    Transport own = Transport.http(java.net.http.HttpClient.newHttpClient());
    assertThat(TandemClient.builder().bootstrap(URI.create("http://8.8.8.8:1")).transport(own).options().policy())
        .isEqualTo(PeerPolicy.ANY);
    assertThatThrownBy(() -> TandemClient.builder().peerPolicy("nearby")).hasMessageContaining("--peer-policy");
  }
}
