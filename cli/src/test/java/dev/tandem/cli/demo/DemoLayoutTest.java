package dev.tandem.cli.demo;

import static dev.tandem.cli.demo.DemoLayout.MATRIX;
import static dev.tandem.cli.demo.DemoLayout.SEARCH;
import static dev.tandem.cli.demo.DemoLayout.WHISPER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DemoLayoutTest {
  @Test
  void serversABAndCAreThoseOfThePicture() {
    DemoLayout l = DemoLayout.of(4, 1);
    assertThat(l.servers()).extracting(DemoLayout.Server::letter).containsExactly("A", "B", "C", "D");
    DemoLayout.Server a = l.servers().get(0);
    DemoLayout.Server b = l.servers().get(1);
    DemoLayout.Server c = l.servers().get(2);
    assertThat(a.offers()).isEqualTo(Set.of(MATRIX, SEARCH));
    assertThat(a.rewards()).isEqualTo(Set.of(MATRIX));
    assertThat(b.offers()).isEqualTo(Set.of(WHISPER));
    assertThat(b.rewards()).isEqualTo(Set.of(MATRIX));
    assertThat(c.offers()).isEqualTo(Set.of(WHISPER));
    assertThat(c.rewards()).isEqualTo(Set.of(WHISPER));
    assertThat(List.of(a, b, c)).noneMatch(DemoLayout.Server::liar);
  }

  @Test
  void theLastServersLieAndOfferEverything() {
    DemoLayout l = DemoLayout.of(5, 2);
    assertThat(l.liars()).isEqualTo(2);
    assertThat(l.servers()).extracting(DemoLayout.Server::liar).containsExactly(false, false, false, true, true);
    assertThat(l.servers().get(4).offers()).containsExactlyInAnyOrderElementsOf(DemoLayout.SERVICES);
    DemoLayout three = DemoLayout.of(3, 1);
    assertThat(three.servers().get(2).liar()).isTrue();
    assertThat(three.servers().get(2).offers()).containsExactlyInAnyOrderElementsOf(DemoLayout.SERVICES);
  }

  @Test
  void refusesNetworksWhereLiesCouldNotBeOutvoted() {
    assertThatThrownBy(() -> DemoLayout.of(2, 0)).hasMessageContaining("--nodes");
    assertThatThrownBy(() -> DemoLayout.of(4, 2)).hasMessageContaining("--liars must be 0 to 1");
    assertThat(DemoLayout.of(5, 2).minRequests()).isEqualTo(3);
    assertThat(DemoLayout.of(4, 1).minRequests()).isEqualTo(2);
    assertThatThrownBy(() -> DemoLayout.of(4, -1)).hasMessageContaining("--liars");
    assertThat(DemoLayout.of(3, 0).liars()).isZero();
  }

  @Test
  void callsAreTheSameForTheSameSeedAndCoverEveryService() {
    assertThat(DemoCalls.call(7, 1)).isEqualTo(DemoCalls.call(7, 1));
    assertThat(List.of(DemoCalls.call(1, 1), DemoCalls.call(2, 1), DemoCalls.call(3, 1)))
        .extracting(DemoCalls.Call::service).containsExactlyInAnyOrder(MATRIX, SEARCH, WHISPER);
  }
}
