package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.NoServersException;
import dev.tandem.client.RefereeMode;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.ServiceErrorException;
import dev.tandem.client.ServiceNotFoundException;
import dev.tandem.client.TandemClient;
import dev.tandem.client.it.TestPool.Variant;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Calls through real nodes: verified results, verified errors, and what the client refuses to count as a vote. */
class VerifiedCallTest {
  static TestPool pool;

  @BeforeAll
  static void start() throws Exception {
    pool = TestPool.shared();
  }

  static TandemClient client(Set<PublicKey> members, long seed) {
    return TandemClient.builder().bootstrap(pool.home.url()).serverFilter(s -> members.contains(s.key()))
        .seed(seed).requestTimeout(Duration.ofMillis(1500)).callTimeout(Duration.ofSeconds(10)).maxRequests(10)
        .build();
  }

  @Test
  void honestServersGiveAVerifiedResultByNameAndById() throws Exception {
    try (TandemClient client = client(pool.keys("h0", "h1", "h2"), 1)) {
      JsonNode params = Json.parse("{\"x\":[1,\"two\",{\"three\":3.5}]}");
      CallReport report = client.service("echo").callWithReport("echo", params);
      assertThat(report.result()).contains(params);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
      assertThat(report.votes()).hasSize(2);
      assertThat(report.votes().stream().map(ServerAnswer::responseHash).distinct()).hasSize(1);
      assertThat(report.convicted()).isEmpty();
      assertThat(report.evidence()).isEmpty();
      assertThat(client.service(pool.serviceId(Variant.MAJORITY)).call("echo", params)).isEqualTo(params);
      assertThat(client.service("echo").callAsync("ping", null).get()).isEqualTo(Json.nodes().textNode("pong"));
      report.votes().forEach(v -> assertThat(client.scores().score(v.server()).score()).isGreaterThan(50));
    }
  }

  @Test
  void aServiceErrorIsAVerifiedAnswerAndThrownAsSuch() {
    try (TandemClient client = client(pool.keys("h1", "h2", "h3"), 2)) {
      assertThatThrownBy(() -> client.service("echo").call("no_such_method", Json.object()))
          .isInstanceOfSatisfying(ServiceErrorException.class, e -> {
            assertThat(e.code()).isEqualTo(RpcErrors.METHOD_NOT_FOUND);
            assertThat(e.report().orElseThrow().votes()).hasSize(2);
            assertThat(e.report().orElseThrow().decision()).isEqualTo(CallReport.Decision.VERIFIER);
          });
    }
  }

  @Test
  void answersThatAreNotVotesAreReplacedAndScoredDown() throws Exception {
    Set<PublicKey> members = pool.keys("h1", "h2", "fake-garbage", "fake-forged", "fake-impostor", "fake-stall",
        "fake-dead");
    for (long seed = 10; seed < 14; seed++) {
      try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url())
          .serverFilter(s -> members.contains(s.key())).seed(seed).requestTimeout(Duration.ofMillis(800))
          .maxRequests(7).minRequests(2).build()) {
        JsonNode params = Json.parse("[\"seed\"," + seed + "]");
        CallReport report = client.service("echo").callWithReport("echo", params);
        assertThat(report.result()).contains(params);
        for (ServerAnswer a : report.answers()) {
          String name = pool.members.get(a.server()).name();
          if (name.startsWith("fake-")) {
            assertThat(a.kind()).as(name).isNotEqualTo(ServerAnswer.Kind.VOTE);
            assertThat(client.scores().score(a.server()).score()).as(name).isLessThan(50);
          }
        }
      }
    }
  }

  @Test
  void aStallingServerIsHedgedInsteadOfWaitedFor() throws Exception {
    Set<PublicKey> members = pool.keys("h1", "h2", "fake-stall");
    PublicKey stall = pool.member("fake-stall").key();
    int hedgedCalls = 0;
    for (long seed = 20; seed < 30 && hedgedCalls < 2; seed++) {
      try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url())
          .serverFilter(s -> members.contains(s.key())).seed(seed).requestTimeout(Duration.ofSeconds(8))
          .hedgeAfter(Duration.ofMillis(300)).build()) {
        CallReport report = client.service("echo").callWithReport("ping", null);
        assertThat(report.result()).contains(Json.nodes().textNode("pong"));
        if (report.answers().stream().anyMatch(a -> stall.equals(a.server()))) {
          hedgedCalls++;
          assertThat(report.answers()).anyMatch(a -> stall.equals(a.server())
              && a.kind() == ServerAnswer.Kind.PENDING && a.detail().contains("hedged"));
          assertThat(report.elapsed()).isLessThan(FakeServers.STALL_DELAY);
        }
      }
    }
    assertThat(hedgedCalls).as("the stalling server was picked in some of 10 calls").isPositive();
  }

  @Test
  void aHedgedCallAsksOneMoreAtOnceAndTakesTheFirstAnswersThatAgree() throws Exception {
    Set<PublicKey> members = pool.keys("h1", "h2", "fake-stall");
    PublicKey stall = pool.member("fake-stall").key();
    // No hedge delay: only the extra request keeps the stalling server from holding the call up.
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url())
        .serverFilter(s -> members.contains(s.key())).seed(3).requestTimeout(Duration.ofSeconds(8))
        .hedgeAfter(null).extraRequests(1).build()) {
      for (int i = 0; i < 3; i++) {
        CallReport report = client.service("echo").callWithReport("ping", null);
        assertThat(report.result()).contains(Json.nodes().textNode("pong"));
        assertThat(report.answers()).as("all three asked at once").hasSize(3);
        assertThat(report.votes()).hasSize(2).noneMatch(v -> stall.equals(v.server()));
        assertThat(report.answers()).anyMatch(a -> stall.equals(a.server())
            && a.kind() == ServerAnswer.Kind.PENDING);
        assertThat(report.elapsed()).isLessThan(FakeServers.STALL_DELAY);
      }
    }
  }

  @Test
  void unknownServicesAndEmptyCandidateListsAreTypedErrors() {
    try (TandemClient client = client(Set.of(), 3)) {
      assertThatThrownBy(() -> client.service("no-such-service")).isInstanceOf(ServiceNotFoundException.class)
          .hasMessageContaining("no-such-service");
      assertThatThrownBy(() -> client.service("echo").call("echo", null)).isInstanceOf(NoServersException.class)
          .hasMessageContaining("filtered out");
      assertThatThrownBy(() -> client.service("echo").call("echo", Json.nodes().textNode("x")))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void tooFewHonestServersIsNoServersForAClientThatRerunsNothing() {
    Set<PublicKey> members = pool.keys("h1", "fake-garbage", "fake-dead");
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url()).referee(RefereeMode.NONE)
        .serverFilter(s -> members.contains(s.key())).seed(4).requestTimeout(Duration.ofMillis(1500))
        .callTimeout(Duration.ofSeconds(10)).maxRequests(10).build()) {
      // The home server would stand in for the missing confirmation: this service's home is down.
      assertThatThrownBy(() -> client.service(pool.serviceId(Variant.EQUAL_DEAD_HOME)).call("ping", null))
          .isInstanceOf(NoServersException.class).hasMessageContaining("1 valid answer of 2");
    }
  }

  @Test
  void theClientsOwnRerunStandsInForAMissingConfirmation() throws Exception {
    try (TandemClient client = client(pool.keys("h1", "fake-garbage", "fake-dead"), 4)) {
      CallReport report = client.service("echo").callWithReport("ping", null);
      assertThat(report.result()).contains(Json.nodes().textNode("pong"));
      assertThat(report.reran()).isTrue();
      assertThat(report.convicted()).isEmpty();
    }
  }
}
