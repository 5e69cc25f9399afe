package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.TandemClient;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Adaptive mode ({@code spotCheck}): once servers are proven, most calls go to one server alone and a random fraction
 * is spot-checked (a proven server against one other operator); a proven server that turns liar gets wrong answers
 * through only in unchecked calls, until a spot check convicts it.
 */
class SpotCheckTest {
  static TestPool pool;

  @BeforeAll
  static void start() throws Exception {
    pool = TestPool.shared();
  }

  @Test
  void provenServersAnswerAloneAndAFractionOfCallsIsStillVerified() throws Exception {
    Set<PublicKey> members = pool.keys("h1", "h2", "h3");
    int unchecked = 0;
    int verifiedAfterProven = 0;
    int spotChecked = 0;
    int firstUnchecked = -1;
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url())
        .serverFilter(s -> members.contains(s.key())).seed(41).spotCheck(0.2)
        .requestTimeout(Duration.ofSeconds(3)).build()) {
      for (int i = 0; i < 60; i++) {
        JsonNode params = Json.parse("{\"spot\":" + i + "}");
        CallReport report = client.service("echo").callWithReport("echo", params);
        assertThat(report.result()).as("call %d", i).contains(params);
        if (report.decision() == CallReport.Decision.UNCHECKED) {
          unchecked++;
          firstUnchecked = firstUnchecked < 0 ? i : firstUnchecked;
          assertThat(report.verified()).isFalse();
          assertThat(report.answers()).as("call %d asked one server", i).hasSize(1);
          assertThat(client.scores().score(report.answers().get(0).server()).score()).isGreaterThanOrEqualTo(60);
        } else if (report.decision() == CallReport.Decision.SPOT_CHECK) {
          spotChecked++;
          assertThat(report.verified()).isTrue();
          assertThat(report.answers()).as("a spot check asks two servers").hasSize(2);
          assertThat(report.answers().get(0).server()).isNotEqualTo(report.answers().get(1).server());
          verifiedAfterProven++;
        } else {
          assertThat(report.verified()).isTrue();
          assertThat(report.votes()).hasSizeGreaterThanOrEqualTo(2);
          if (firstUnchecked >= 0) {
            verifiedAfterProven++;
          }
        }
      }
    }
    // Scores start at 50 and a good answer adds 1: nobody is proven before a few verified calls.
    assertThat(firstUnchecked).as("first unchecked call").isGreaterThanOrEqualTo(4);
    assertThat(unchecked).as("unchecked calls of 60").isGreaterThanOrEqualTo(25);
    assertThat(verifiedAfterProven).as("calls still verified once servers were proven").isPositive();
    assertThat(spotChecked).as("spot checks of a proven server against another operator").isPositive();
  }

  @Test
  void aProvenServerThatLiesIsCaughtByASpotCheckAndNeverAnsweredAloneAgain() throws Exception {
    Set<PublicKey> members = pool.keys("h1", "h2", "liar3");
    PublicKey liar = pool.member("liar3").key();
    // Earlier good behaviour, as this client saw it: all three are proven before the liar turns.
    try (Scores scores = new Scores(new MemoryScoreStore())) {
      for (PublicKey k : members) {
        for (int i = 0; i < 15; i++) {
          scores.record(k, ScoreEvent.SUCCESS);
        }
      }
      int wrong = 0;
      int convictedAt = -1;
      try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url()).scores(scores).evidenceFeed(false)
          .serverFilter(s -> members.contains(s.key())).seed(43).spotCheck(0.3)
          .requestTimeout(Duration.ofSeconds(3)).build()) {
        for (int i = 0; i < 60; i++) {
          JsonNode params = Json.parse("{\"turncoat\":" + i + "}");
          CallReport report = client.service("echo").callWithReport("echo", params);
          boolean liarAsked = report.answers().stream().map(ServerAnswer::server).anyMatch(liar::equals);
          if (!report.result().equals(java.util.Optional.of(params))) {
            wrong++;
            assertThat(report.decision()).as("a wrong answer only ever comes unchecked").isEqualTo(
                CallReport.Decision.UNCHECKED);
            assertThat(report.answers()).singleElement().extracting(ServerAnswer::server).isEqualTo(liar);
            assertThat(convictedAt).as("no wrong answer after the conviction").isNegative();
          }
          if (report.convicted().contains(liar)) {
            assertThat(report.verified()).isTrue();
            convictedAt = i;
            assertThat(client.scores().blacklisted(liar)).isTrue();
          } else if (convictedAt >= 0) {
            assertThat(liarAsked).as("call %d asked the convicted liar", i).isFalse();
          }
        }
      }
      assertThat(convictedAt).as("the liar was convicted by a spot check").isNotNegative();
      assertThat(wrong).as("wrong answers let through before the conviction").isLessThanOrEqualTo(convictedAt);
    }
  }
}
