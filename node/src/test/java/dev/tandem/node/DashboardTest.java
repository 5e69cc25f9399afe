package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.node.observe.Activity;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard over HTTP: its page, script, style and vendored graph library from the classpath (and nothing else),
 * and {@code /dashboard.json} drawing the registry, this node's calls and a conviction.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardTest {
  @TempDir static Path dir;
  TestNetwork net;
  Node a;
  Node b;
  ServiceRecord search;

  @BeforeAll
  void start() throws Exception {
    net = new TestNetwork(dir);
    a = net.start("a", List.of(), dev.tandem.node.fault.Fault.NONE);
    b = net.start("b", List.of(a.url()), dev.tandem.node.fault.Fault.NONE);
    byte[] wasm = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/search/search.wasm"));
    search = ServiceRecord.builder().name("search").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
    ObjectNode p = Json.object();
    p.set("record", search.toJson());
    p.put("module", Base64.getEncoder().encodeToString(wasm));
    TestNetwork.post(URI.create(a.url() + "/rpc"), ThreeNodeTest.request("tandem_submitRecord", p), null);
    ObjectNode offer = Json.object();
    offer.put("service", search.serviceId());
    TestNetwork.post(URI.create(a.url() + "/rpc"), ThreeNodeTest.request("tandem_offer", offer),
        TestNetwork.adminToken(a));
    TestNetwork.await("a to offer search", Duration.ofSeconds(30), () -> a.hosting().ready(search.serviceId())
        .isPresent());
    TestNetwork.await("b to learn of a's offer", Duration.ofSeconds(10), () -> b.registry().server(a.publicKey())
        .map(s -> s.offers().contains(search.serviceId())).orElse(false));
  }

  @AfterAll
  void stop() {
    net.close();
  }

  @Test
  void staticFilesComeFromTheClasspathWithTheirTypes() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("/dashboard/app.js").contains("/dashboard/vendor/cytoscape.min.js");
    assertThat(get("/dashboard/app.js").headers().firstValue("content-type").orElse(""))
        .startsWith("text/javascript");
    assertThat(get("/dashboard/style.css").headers().firstValue("content-type").orElse("")).startsWith("text/css");
    HttpResponse<String> lib = get("/dashboard/vendor/cytoscape.min.js");
    assertThat(lib.statusCode()).isEqualTo(200);
    assertThat(lib.body()).contains("cytoscape");
  }

  @Test
  void onlyPlainNamesInsideTheDashboardFolderAreServed() throws Exception {
    for (String path : List.of("/dashboard/nope.js", "/dashboard/", "/dashboard/..%2Fnode.key",
        "/dashboard/%2e%2e/%2e%2e/node.key", "/dashboard/App.js", "/dashboard/.hidden", "/dashboard/vendor/",
        "/dashboard/other/app.js", "/dashboard/vendor/cytoscape.LICENSE")) {
      int status = get(path).statusCode();
      assertThat(status).as(path).isIn(400, 404);
    }
  }

  @Test
  void snapshotDrawsRegistryCallsAndConvictions() throws Exception {
    String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"query\",\"params\":{\"q\":\"sqlite\",\"limit\":2}}";
    TestNetwork.post(URI.create(a.url() + "/services/" + search.serviceId()), call, null);
    // What the evidence handler records when it convicts a server: the dashboard must draw it at score 0.
    a.activity().conviction(new Activity.Conviction(System.currentTimeMillis(), b.publicKey().toString(),
        search.serviceId(), "ab".repeat(32), "signed a response that differs from the re-run"));

    settle();
    JsonNode d = Json.parse(get("/dashboard.json").body());
    assertThat(d.path("self").path("key").asText()).isEqualTo(a.publicKey().toString());
    JsonNode svc = d.path("services").get(0);
    assertThat(svc.path("name").asText()).isEqualTo("search");
    assertThat(svc.path("abi").asText()).isEqualTo("tandem-v1");
    assertThat(svc.path("moduleShort").asText()).startsWith("bafkrei").contains("…");

    List<String> labels = new ArrayList<>();
    d.path("servers").forEach(s -> labels.add(s.path("label").asText()));
    assertThat(labels).containsExactly("Server A", "Server B");
    JsonNode first = d.path("servers").get(0);
    JsonNode second = d.path("servers").get(1);
    // Letters follow the URL order (host, then port as a number).
    boolean aFirst = a.url().getPort() < b.url().getPort();
    JsonNode na = aFirst ? first : second;
    JsonNode nb = aFirst ? second : first;
    assertThat(na.path("self").asBoolean()).isTrue();
    assertThat(na.path("offers").toString()).contains(search.serviceId());
    assertThat(nb.path("convicted").asBoolean()).isTrue();
    assertThat(nb.path("score").asInt(-1)).isZero();
    assertThat(na.path("convicted").asBoolean()).isFalse();

    assertThat(d.path("hosting").path(search.serviceId()).asText()).isEqualTo("ready");
    assertThat(d.path("totalCalls").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(d.path("calls").get(0).path("method").asText()).isEqualTo("query");
    assertThat(d.path("recentCallsByService").path(search.serviceId()).asInt()).isGreaterThanOrEqualTo(1);
    assertThat(d.path("convictions").get(0).path("server").asText()).isEqualTo(b.publicKey().toString());
  }

  /** What the sandbox reports when a module's engines disagree while it warms up: a conflict under its service. */
  @Test
  void anEngineDivergenceIsAConflictOnTheServiceOfItsModule() throws Exception {
    a.engineDiverged(new dev.tandem.sandbox.EngineDivergence(search.module().toString(), "cd".repeat(32), "graalwasm",
        "chicory gave result {} fuel=5; graalwasm gave result {} fuel=6"));
    JsonNode conflict = null;
    for (JsonNode c : Json.parse(get("/dashboard.json").body()).path("conflicts")) {
      if (c.toString().contains("cd".repeat(32))) {
        conflict = c;
      }
    }
    assertThat(conflict).as("the conflict on the dashboard").isNotNull();
    assertThat(conflict.toString()).contains(search.serviceId(), "engine divergence while warming up",
        "graalwasm gave result {} fuel=6", a.publicKey().toString());
  }

  @Test
  void networkViewJoinsWhatEveryNodePublishes() throws Exception {
    String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"query\",\"params\":{\"q\":\"wasm\",\"limit\":1}}";
    TestNetwork.post(URI.create(a.url() + "/services/" + search.serviceId()), call, null);
    settle();
    JsonNode fromB = Json.parse(TestNetwork.get(URI.create(b.url() + "/network.json")).body());
    assertThat(fromB.path("self").path("key").asText()).isEqualTo(b.publicKey().toString());
    List<String> reachable = new ArrayList<>();
    fromB.path("nodes").forEach(n -> {
      if (!n.has("unreachable")) {
        reachable.add(n.path("key").asText());
      }
    });
    assertThat(reachable).containsExactlyInAnyOrder(a.publicKey().toString(), b.publicKey().toString());
    // B served nothing; the calls A served show on B's network view, attributed to A.
    assertThat(fromB.path("totalCalls").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(fromB.path("calls").findValuesAsText("server")).isNotEmpty()
        .allMatch(k -> k.equals(a.publicKey().toString()));
  }

  @Test
  void serverLettersRunPastZ() {
    assertThat(dev.tandem.node.dashboard.DashboardData.letters(0)).isEqualTo("A");
    assertThat(dev.tandem.node.dashboard.DashboardData.letters(25)).isEqualTo("Z");
    assertThat(dev.tandem.node.dashboard.DashboardData.letters(26)).isEqualTo("AA");
    assertThat(dev.tandem.node.dashboard.DashboardData.letters(27)).isEqualTo("AB");
    assertThat(dev.tandem.node.dashboard.DashboardData.letters(26 + 26 * 26)).isEqualTo("AAA");
  }

  /** A node builds its dashboard at most once a second: what happened is drawn a second later at the latest. */
  private static void settle() throws InterruptedException {
    Thread.sleep(1100);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return TestNetwork.HTTP.send(HttpRequest.newBuilder(URI.create(a.url() + path)).timeout(Duration.ofSeconds(10))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
