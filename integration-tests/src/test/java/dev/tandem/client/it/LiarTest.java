package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.EvidenceDelivery;
import dev.tandem.client.NodeClient;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.TandemClient;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.Evidence;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Four real nodes, one of them lying (it signs wrong answers), builtin:equal, home server h0: every call returns the
 * honest result, the liar is convicted on its first lie, its score drops to 0, it is not asked again, and the
 * evidence goes to the nodes.
 */
class LiarTest {
  static TestPool pool;

  @BeforeAll
  static void start() throws Exception {
    pool = TestPool.shared();
  }

  @Test
  void everyCallIsHonestAndTheLiarIsConvictedOnItsFirstLie() throws Exception {
    PublicKey liar = pool.member("liar1").key();
    Set<PublicKey> members = pool.keys("h0", "h1", "h2", "liar1");
    CallReport caught = null;
    // Without the nodes' conviction feed: the shared nodes may have convicted this liar in another test already.
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url()).evidenceFeed(false)
        .serverFilter(s -> members.contains(s.key())).seed(7).requestTimeout(Duration.ofSeconds(3)).build()) {
      for (int i = 0; i < 40; i++) {
        JsonNode params = Json.parse("{\"call\":" + i + ",\"text\":\"ünïcødé\"}");
        CallReport report = client.service("echo").callWithReport("echo", params);
        assertThat(report.result()).as("call %d", i).contains(params);
        boolean liarAsked = report.answers().stream().anyMatch(a -> liar.equals(a.server()));
        if (caught == null && liarAsked) {
          caught = report;
          assertThat(report.convicted()).containsExactly(liar);
          assertThat(report.decision()).isEqualTo(CallReport.Decision.REFEREE); // re-run here, the default
          assertThat(client.scores().score(liar).score()).isZero();
          assertThat(client.scores().blacklisted(liar)).isTrue();
        } else if (caught != null) {
          assertThat(liarAsked).as("a convicted server is not asked again (call %d)", i).isFalse();
          assertThat(report.convicted()).isEmpty();
        }
      }
      assertThat(caught).as("the liar was asked in one of 40 calls").isNotNull();
      assertThat(client.scores().score(liar).score()).isZero();
      for (ServerAnswer vote : caught.votes()) {
        if (!vote.server().equals(liar)) {
          assertThat(client.scores().score(vote.server()).score()).isGreaterThanOrEqualTo(50);
        }
      }
    }
    checkEvidenceWasSent(pool, caught, Set.of(liar));
  }

  /** The client built valid evidence against the liars and sent it to every other node it knows. */
  static void checkEvidenceWasSent(TestPool pool, CallReport caught, Set<PublicKey> liars) throws Exception {
    PublicKey liar = liars.iterator().next();
    Evidence evidence = caught.evidence().orElseThrow();
    evidence.check();
    assertThat(evidence.isConflict()).isTrue();
    assertThat(evidence.service()).isEqualTo(caught.service());
    assertThat(evidence.request().requestHash()).isEqualTo(caught.requestHash());
    String lie = evidence.responseHashes().stream().filter(h -> evidence.signersOf(h).contains(liar)).findFirst()
        .orElseThrow();
    assertThat(lie).isNotEqualTo(caught.responseHash());
    // The JSON form survives the trip a node would see.
    Evidence.fromJson(Json.parse(evidence.toJson().toString())).check();

    List<EvidenceDelivery> deliveries = caught.evidenceDeliveries().get(20, TimeUnit.SECONDS);
    List<URI> honestNodes = pool.nodes.stream().filter(n -> !liars.contains(n.publicKey()))
        .map(n -> NodeClient.normalize(n.url())).toList();
    assertThat(deliveries.stream().map(d -> NodeClient.normalize(d.node())).toList())
        .as("evidence went to every other node").containsAll(honestNodes);
    for (PublicKey l : liars) {
      assertThat(deliveries.stream().map(EvidenceDelivery::node).map(NodeClient::normalize))
          .as("a liar is not told").doesNotContain(NodeClient.normalize(pool.members.get(l).url()));
    }
    // Every honest node accepted it, re-ran the request itself and convicted the liar: score 0, blacklisted.
    for (EvidenceDelivery d : deliveries) {
      if (honestNodes.contains(NodeClient.normalize(d.node()))) {
        assertThat(d.accepted()).as(d.node() + ": " + d.message()).isTrue();
      }
    }
    for (var node : pool.nodes) {
      if (liars.contains(node.publicKey()) || !honestNodes.contains(NodeClient.normalize(node.url()))) {
        continue;
      }
      long deadline = System.currentTimeMillis() + 20_000;
      for (PublicKey l : liars) {
        while (!(node.scores().score(l).score() == 0 && node.scores().blacklisted(l))
            && System.currentTimeMillis() < deadline) {
          Thread.sleep(50);
        }
        assertThat(node.scores().score(l).score()).as("score of the liar at " + node.url()).isZero();
        assertThat(node.scores().blacklisted(l)).isTrue();
        assertThat(node.activity().convictions()).as("conviction after a re-run at " + node.url())
            .anyMatch(c -> c.server().equals(l.toString()) && c.reason().contains("re-run"));
      }
    }
  }
}
