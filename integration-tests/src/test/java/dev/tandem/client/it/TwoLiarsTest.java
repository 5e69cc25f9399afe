package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.NoServersException;
import dev.tandem.client.RefereeMode;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.TandemClient;
import dev.tandem.client.UnverifiableException;
import dev.tandem.client.it.TestPool.Variant;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.Scores;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two liars that agree (they sign the same wrong answer) against one honest node, all three asked: the home server
 * settles it; with the home server down the call is unverifiable rather than wrong. Two liars that disagree: the home
 * server's answer decides although it matches neither.
 */
class TwoLiarsTest {
  static TestPool pool;
  static Set<PublicKey> members;
  static PublicKey liar1;
  static PublicKey liar2;

  @BeforeAll
  static void start() throws Exception {
    pool = TestPool.shared();
    members = pool.keys("liar1", "liar2", "h1");
    liar1 = pool.member("liar1").key();
    liar2 = pool.member("liar2").key();
  }

  /**
   * These tests are about the home server as referee, so the client re-runs no conflict itself. Each client must meet
   * the liars itself: without the conviction feed, which would carry an earlier test's convictions (a HOME client
   * still re-runs feed items) and so blacklist both liars before the first call.
   */
  static TandemClient client(long seed) {
    return builder(seed).evidenceFeed(false).build();
  }

  static TandemClient.Builder builder(long seed) {
    return TandemClient.builder().bootstrap(pool.home.url()).referee(RefereeMode.HOME)
        .serverFilter(s -> members.contains(s.key())).minRequests(3).seed(seed).requestTimeout(Duration.ofSeconds(3));
  }

  @Test
  void theHomeServerDecidesAndBothLiarsAreConvicted() throws Exception {
    try (TandemClient client = client(1)) {
      JsonNode params = Json.parse("{\"two\":\"liars\"}");
      CallReport report = client.service("echo").callWithReport("echo", params);
      assertThat(report.result()).contains(params);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.HOME);
      assertThat(report.answers()).anyMatch(ServerAnswer::home);
      assertThat(report.convicted()).containsExactlyInAnyOrder(liar1, liar2);
      assertThat(client.scores().score(liar1).score()).isZero();
      assertThat(client.scores().score(liar2).score()).isZero();
      LiarTest.checkEvidenceWasSent(pool, report, Set.of(liar1, liar2));
    }
  }

  @Test
  void twoLiarsThatDisagreeAreBothConvictedByTheHomeServersAnswer() throws Exception {
    // liar3 and liar4 each sign a wrong answer of their own: the home server's answer matches neither side.
    Set<PublicKey> independent = pool.keys("liar3", "liar4");
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url()).referee(RefereeMode.HOME)
        .serverFilter(s -> independent.contains(s.key())).seed(5).requestTimeout(Duration.ofSeconds(3)).build()) {
      JsonNode params = Json.parse("{\"independent\":\"liars\"}");
      CallReport report = client.service("echo").callWithReport("echo", params);
      assertThat(report.result()).contains(params);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.HOME);
      assertThat(report.convicted()).containsExactlyInAnyOrderElementsOf(independent);
      LiarTest.checkEvidenceWasSent(pool, report, independent);
    }
  }

  @Test
  void withTheHomeServerDownTheCallIsUnverifiableNeverWrong() throws Exception {
    try (TandemClient client = client(2)) {
      JsonNode params = Json.parse("{\"home\":\"down\"}");
      assertThatThrownBy(() -> client.service(pool.serviceId(Variant.EQUAL_DEAD_HOME)).call("echo", params))
          .isInstanceOfSatisfying(UnverifiableException.class, e -> {
            assertThat(e.reasons()).anyMatch(r -> r.contains("conflict"));
            assertThat(e.reasons()).anyMatch(r -> r.contains("home server") && r.contains("connection refused"));
            CallReport report = e.report().orElseThrow();
            assertThat(report.result()).isEmpty();
            assertThat(report.convicted()).as("nobody is convicted without a decision").isEmpty();
            assertThat(report.evidence()).as("the conflict is still evidence for the nodes").isPresent();
          });
      assertThat(client.scores().score(liar1).score()).isPositive();
    }
  }

  @Test
  void aCallShortOfServersBecauseTheLiarsAreBlacklistedSaysSo() throws Exception {
    try (Scores scores = new Scores(new MemoryScoreStore()); TandemClient client = builder(6).scores(scores).build()) {
      scores.convict(liar1); // as a feed item or an earlier call of this client would
      scores.convict(liar2);
      JsonNode params = Json.parse("{\"liars\":\"blacklisted\"}");
      assertThatThrownBy(() -> client.service(pool.serviceId(Variant.EQUAL_DEAD_HOME)).call("echo", params))
          .isInstanceOf(NoServersException.class)
          .hasMessageContaining("1 valid answer of 3 needed from 1 server asked")
          .hasMessageContaining("no other server offers it that is not blacklisted here (2 more offer it");
      assertThat(client.serversOffering(pool.serviceId(Variant.EQUAL_DEAD_HOME))).hasSize(3);
    }
  }

  @Test
  void aWasmVerifierFetchedByCidGivesTheSameOutcome() throws Exception {
    try (TandemClient client = client(3)) {
      JsonNode params = Json.parse("{\"verifier\":\"wasm\"}");
      CallReport report = client.service("echo-wasm").callWithReport("echo", params);
      assertThat(report.verifier()).isEqualTo(pool.services.get(Variant.WASM_EQUAL).verifier());
      assertThat(report.result()).contains(params);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.HOME);
      assertThat(report.convicted()).containsExactlyInAnyOrder(liar1, liar2);
    }
    Set<PublicKey> honest = pool.keys("h1", "h2");
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url())
        .serverFilter(s -> honest.contains(s.key())).seed(4).build()) {
      CallReport report = client.service("echo-wasm").callWithReport("ping", null);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
      assertThat(report.result()).contains(Json.nodes().textNode("pong"));
    }
  }
}
