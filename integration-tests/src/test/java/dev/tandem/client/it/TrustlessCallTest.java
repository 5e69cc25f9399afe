package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.client.CallReport;
import dev.tandem.client.RefereeMode;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.TandemClient;
import dev.tandem.client.TandemException;
import dev.tandem.client.score.FileScoreStore;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Methods;
import dev.tandem.node.Node;
import dev.tandem.node.fault.Lies;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification that needs no trusted party, on real nodes over HTTP (docs/protocol.md, "Trust model"): liars,
 * colluders, Sybil identities, a lying home server, a liar that builds a reputation first, a server that spells the
 * right answer in another way, and a bootstrap node whose evidence feed lies. No service here has an honest home
 * server: the client's own re-run (its referee) settles conflicts, and nobody honest is ever convicted.
 */
class TrustlessCallTest {
  static TrustNet net;
  /** Every conviction any client of these tests made: none may name an honest server. */
  static final Set<PublicKey> convictedByClients = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() throws Exception {
    net = new TrustNet();
  }

  @AfterAll
  static void stop() {
    assertThat(convictedByClients).as("no client convicted an honest node")
        .doesNotContainAnyElementsOf(net.keys("h1", "h2", "h3"));
    for (Node n : net.nodes.values()) {
      for (String honest : List.of("h1", "h2", "h3")) {
        assertThat(n.scores().score(net.key(honest)).everConvicted()).as(honest + " convicted at " + n.url())
            .isFalse();
      }
    }
    net.close();
  }

  private static JsonNode params(int i) throws Exception {
    return Json.parse("{\"call\":" + i + ",\"text\":\"ünïcødé\"}");
  }

  private static CallReport call(TandemClient client, String service, JsonNode params) {
    CallReport report = client.service(service).callWithReport("echo", params);
    convictedByClients.addAll(report.convicted());
    return report;
  }

  /** The first attack: 4 nodes, one liar, no home server; 12 fresh clients (12 CLI runs) each call once. */
  @Test
  void oneLiarWithoutHomeEveryFreshCallReturnsTheHonestAnswer() throws Exception {
    PublicKey liar = net.key("liar");
    int liarAsked = 0;
    for (int i = 0; i < 12; i++) {
      try (TandemClient client = net.client("h1", "h2", "h3", "liar").seed(i).build()) {
        JsonNode params = params(i);
        CallReport report = call(client, TrustNet.ECHO, params);
        assertThat(report.result()).as("call %d", i).contains(params);
        if (report.votes().stream().anyMatch(v -> v.server().equals(liar))) {
          liarAsked++;
          assertThat(report.convicted()).as("call %d", i).containsExactly(liar);
          assertThat(report.decision()).isEqualTo(CallReport.Decision.REFEREE);
          assertThat(report.notes()).anyMatch(n -> n.contains("settled by the referee"));
          assertThat(client.scores().blacklisted(liar)).isTrue();
        } else {
          assertThat(report.convicted()).isEmpty();
        }
      }
    }
    assertThat(liarAsked).as("the liar was in some of the 12 samples").isPositive();
    // The evidence went to the nodes, which re-ran it themselves and convicted the liar too.
    for (String honest : List.of("h1", "h2", "h3")) {
      Node n = net.node(honest);
      TestPool.await("the liar convicted at " + honest, Duration.ofSeconds(20), () -> n.scores().blacklisted(liar));
      assertThat(n.activity().convictions()).anyMatch(c -> c.server().equals(liar.toString())
          && c.reason().contains("re-run"));
    }
  }

  /**
   * A liar convicted at a node reaches a fresh client through the node's evidence feed: the client re-runs the
   * evidence itself, convicts the liar in its own scores (persisted with its feed position) and never asks it.
   */
  @Test
  void aFreshClientAvoidsALiarConvictedElsewhere(@TempDir Path tmp) throws Exception {
    PublicKey liar = net.key("liar");
    Node h1 = net.node("h1");
    try (TandemClient first = net.client("h1", "liar").minRequests(2).seed(9).build()) {
      CallReport report = call(first, TrustNet.ECHO, params(500));
      assertThat(report.convicted()).containsExactly(liar);
      report.evidenceDeliveries().get(20, TimeUnit.SECONDS);
    }
    TestPool.await("h1 to store the conviction", Duration.ofSeconds(20), () -> h1.scores().blacklisted(liar));
    Path scores = tmp.resolve("scores.json");
    try (TandemClient fresh = net.client("h1", "h2", "h3", "liar").scoreStore(new FileScoreStore(scores)).seed(10)
        .evidenceFeed(true).build()) {
      var echo = fresh.service(TrustNet.ECHO); // reads the feed before anything is asked
      assertThat(fresh.scores().blacklisted(liar)).as("the liar convicted here from h1's feed").isTrue();
      for (int i = 0; i < 12; i++) {
        JsonNode params = params(510 + i);
        CallReport report = echo.callWithReport("echo", params);
        convictedByClients.addAll(report.convicted());
        assertThat(report.result()).contains(params);
        assertThat(report.answers()).as("call %d asked only others", i).noneMatch(a -> liar.equals(a.server()));
      }
    }
    JsonNode file = Json.parse(Files.readAllBytes(scores));
    assertThat(file.path("servers").path(liar.toString()).path("score").asInt(-1)).isZero();
    assertThat(file.path("evidenceFeed").path(net.first().url().toString().replaceAll("/$", "")).path("cursor")
        .asLong()).isPositive();
  }

  /**
   * A bootstrap node's feed is evidence, never a verdict: a lying bootstrap serves a real conflict (an honest answer
   * and a colluder's lie, both signed) and a forged copy of it; the client re-runs it and convicts the colluder only,
   * whatever the node claims, and drops the forgery.
   */
  @Test
  void aFeedCannotGetAnHonestServerConvicted() throws Exception {
    Evidence conflict;
    try (TandemClient witness = net.client("c2", "h3").minRequests(2).seed(12).build()) {
      conflict = witness.service(TrustNet.ECHO).callWithReport("echo", params(600)).evidence().orElseThrow();
    }
    assertThat(conflict.isConflict()).isTrue();
    ObjectNode forged = conflict.toJson().deepCopy();
    ((ObjectNode) forged.get("attestations").get(0)).put("sig",
        Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]));
    ArrayNode items = Json.nodes().arrayNode().add(forged).add(conflict.toJson());
    HttpServer liar = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    URI upstream = net.first().url();
    liar.createContext("/", ex -> {
      try (ex) {
        byte[] body = ex.getRequestBody().readAllBytes();
        byte[] answer;
        JsonNode req = Json.parse(body);
        if (Methods.EVIDENCE.equals(req.path("method").asText())) {
          ObjectNode page = Json.object();
          page.set("evidence", req.path("params").path("cursor").asLong() == 0 ? items : Json.nodes().arrayNode());
          page.put("next", 2).put("more", false).put("log", "liar");
          answer = JsonRpc.result(req.get("id"), page).toString().getBytes(StandardCharsets.UTF_8);
        } else {
          answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              upstream.resolve(ex.getRequestURI().getPath())).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray())
              .body();
        }
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, answer.length);
        ex.getResponseBody().write(answer);
      } catch (Exception e) {
        ex.sendResponseHeaders(500, -1);
      }
    });
    liar.start();
    try (TandemClient fresh = TandemClient.builder().bootstrap(URI.create("http://127.0.0.1:"
        + liar.getAddress().getPort())).moduleDir(net.dir.resolve("modules")).build()) {
      fresh.service(TrustNet.ECHO);
      assertThat(fresh.scores().blacklisted(net.key("c2"))).as("the colluder, convicted by the re-run here").isTrue();
      assertThat(fresh.scores().score(net.key("h3")).everConvicted()).as("the honest signer").isFalse();
    } finally {
      liar.stop(0);
    }
  }

  /** Two colluders sign the same wrong answer, one honest server answers, no home: the referee convicts both. */
  @Test
  void twoColludersAndOneHonestServerWithoutHome() throws Exception {
    Set<PublicKey> colluders = net.keys("c1", "c2");
    try (TandemClient client = net.client("c1", "c2", "h1").seed(3).build()) {
      for (int i = 0; i < 8; i++) {
        JsonNode params = params(100 + i);
        CallReport report = call(client, TrustNet.ECHO, params);
        assertThat(report.result()).as("call %d", i).contains(params);
        assertThat(report.convicted()).isSubsetOf(colluders);
        for (ServerAnswer v : report.votes()) {
          if (colluders.contains(v.server()) && !client.scores().blacklisted(v.server())) {
            throw new AssertionError("a colluder's wrong answer went unpunished in call " + i);
          }
        }
      }
      for (PublicKey c : colluders) {
        assertThat(client.scores().blacklisted(c)).as("colluder convicted").isTrue();
      }
      assertThat(client.scores().score(net.key("h1")).everConvicted()).isFalse();
    }
    for (String honest : List.of("h2", "h3")) {
      Node n = net.node(honest);
      TestPool.await("both colluders convicted at " + honest + " by its re-run", Duration.ofSeconds(20),
          () -> colluders.stream().allMatch(n.scores()::blacklisted));
    }
  }

  /**
   * Five fresh keys on one host sign the same wrong answer: they count as one operator, so their agreement never
   * makes a verified answer; with the referee every call is honest, without it calls fail rather than lie.
   */
  @Test
  void sybilKeysOnOneHostAreOneOperatorAndNeverAccepted() throws Exception {
    Optional<String> host = TrustNet.nonLoopbackAddress();
    assumeThat(host).as("a non-loopback IPv4 address to put the Sybils on").isPresent();
    String[] sybils = new String[5];
    for (int i = 0; i < sybils.length; i++) {
      sybils[i] = "sybil" + i;
      net.addFake(sybils[i], host.get(), (honest, served) -> SigningFake.Answer.of(Lies.twist(honest)));
    }
    Set<PublicKey> sybilKeys = net.keys(sybils);
    // Only Sybils: one operator of the two the verifier needs, and nothing may confirm it.
    try (TandemClient client = net.client(sybils).referee(RefereeMode.NONE).minRequests(2).seed(1).build()) {
      try {
        CallReport r = call(client, TrustNet.ECHO, params(200));
        throw new AssertionError("five keys of one host made a verified answer: " + r.decision() + " " + r.result());
      } catch (TandemException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
    String[] members = new String[] {sybils[0], sybils[1], sybils[2], sybils[3], sybils[4], "h1", "h2"};
    for (RefereeMode mode : List.of(RefereeMode.LOCAL, RefereeMode.NONE)) {
      int answered = 0;
      for (int i = 0; i < 6; i++) {
        JsonNode params = params(210 + i);
        try (TandemClient client = net.client(members).referee(mode).minRequests(2).seed(i).build()) {
          CallReport report = call(client, TrustNet.ECHO, params);
          assertThat(report.result()).as("%s call %d", mode, i).contains(params);
          assertThat(report.convicted()).isSubsetOf(sybilKeys);
          answered++;
        } catch (TandemException refused) {
          assertThat(mode).as("with the referee every call is answered: " + refused.getMessage())
              .isEqualTo(RefereeMode.NONE);
        }
      }
      if (mode == RefereeMode.LOCAL) {
        assertThat(answered).isEqualTo(6);
      }
    }
  }

  /** The home server named (and pinned by key) in the record lies: the referee's re-run convicts it like anyone. */
  @Test
  void aLyingHomeServerIsConvictedByTheReferee() throws Exception {
    PublicKey liar = net.key("liar");
    try (TandemClient client = net.client("liar", "h2").minRequests(2).seed(5).build()) {
      JsonNode params = params(300);
      CallReport report = call(client, TrustNet.LIAR_HOME, params);
      assertThat(report.result()).contains(params);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.REFEREE);
      assertThat(report.convicted()).containsExactly(liar);
      assertThat(client.scores().blacklisted(liar)).isTrue();
    }
  }

  /**
   * Adaptive mode takes a proven server's answer unchecked; the server turns liar once proven; the audit re-runs the
   * accepted answer, finds it wrong, convicts the server and says so in the report and to the listener.
   */
  @Test
  void auditsCatchALieThatAdaptiveModeAccepted() throws Exception {
    AtomicBoolean lie = new AtomicBoolean();
    net.addFake("turncoat", "127.0.0.1", (honest, served) -> SigningFake.Answer.of(lie.get()
        ? Lies.twist(honest, 99) : honest));
    PublicKey turncoat = net.key("turncoat");
    Set<PublicKey> members = ConcurrentHashMap.newKeySet();
    members.addAll(net.keys("turncoat", "h3"));
    List<CallReport.Audit> heard = new ArrayList<>();
    try (TandemClient client = TandemClient.builder().bootstrap(net.first().url())
        .serverFilter(s -> members.contains(s.key())).requestTimeout(Duration.ofSeconds(5)).seed(11)
        .spotCheck(0.001).audit(1.0).onWrongAnswer((report, audit) -> {
          synchronized (heard) {
            heard.add(audit);
          }
        }).build()) {
      for (int i = 0; i < 40 && !(client.scores().score(turncoat).score() >= 60
          && client.scores().established(turncoat)); i++) {
        JsonNode params = params(400 + i);
        CallReport report = call(client, TrustNet.ECHO, params);
        assertThat(report.result()).contains(params);
        report.audit().get(20, TimeUnit.SECONDS);
      }
      assertThat(client.scores().established(turncoat)).as("the turncoat built a reputation").isTrue();
      members.remove(net.key("h3")); // only the proven turncoat is left to ask
      lie.set(true);
      JsonNode params = params(450);
      CallReport report = call(client, TrustNet.ECHO, params);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.UNCHECKED);
      assertThat(report.result()).as("adaptive mode took the lie unchecked").isPresent().get()
          .isNotEqualTo(params);
      CallReport.Audit audit = report.audit().get(20, TimeUnit.SECONDS);
      assertThat(audit.status()).isEqualTo(CallReport.Audit.Status.WRONG);
      assertThat(audit.convicted()).containsExactly(turncoat);
      assertThat(client.scores().blacklisted(turncoat)).isTrue();
      synchronized (heard) {
        assertThat(heard).extracting(CallReport.Audit::status).containsExactly(CallReport.Audit.Status.WRONG);
      }
    }
  }

  /**
   * A server re-spells the right answer ({@code 12345678901234567890} for the canonical {@code 12345678901234567000},
   * the same hash): the SDK returns the canonical bytes whose hash was signed, never the variant.
   */
  @Test
  void theCanonicalVariantTrickReturnsTheCanonicalBytes() throws Exception {
    String canonical = "12345678901234567000";
    String variant = "12345678901234567890";
    net.addFake("variant", "127.0.0.1", (honest, served) -> new SigningFake.Answer(honest,
        new String(honest, StandardCharsets.UTF_8).replace(canonical, variant).getBytes(StandardCharsets.UTF_8)));
    JsonNode params = Json.parse("{\"x\":" + variant + "}");
    String expected = "{\"x\":" + canonical + "}";
    assertThat(Jcs.toString(params)).isEqualTo(expected);
    PublicKey fake = net.key("variant");
    boolean variantVoted = false;
    for (int i = 0; i < 4; i++) {
      try (TandemClient client = net.client("variant", "h2").minRequests(2).seed(i).build()) {
        CallReport report = call(client, TrustNet.ECHO, params);
        assertThat(report.result()).isPresent();
        assertThat(report.result().get().toString()).isEqualTo(expected);
        assertThat(client.service(TrustNet.ECHO).call("echo", params).toString()).isEqualTo(expected);
        variantVoted |= report.votes().stream().anyMatch(v -> v.server().equals(fake));
        assertThat(report.convicted()).isEmpty();
      }
    }
    assertThat(variantVoted).as("the variant's answer was a valid vote").isTrue();
  }
}
