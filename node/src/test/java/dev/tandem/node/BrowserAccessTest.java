package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a web page may do with a node (docs/operating-a-node.md, "Browsers"): call services, read the public RPC
 * methods and fetch modules cross-origin, preflights answered; admin calls never get CORS headers, and a preflight
 * never lets a page send an {@code Authorization} header. A record's {@code metered} CID is checked against the
 * node's own metering: the node serves those bytes, and refuses to run a record that names other bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserAccessTest {
  static final String ORIGIN = "http://dapp.example";
  @TempDir static Path dir;
  TestNetwork net;
  Node node;
  byte[] echo;

  @BeforeAll
  void start() throws Exception {
    net = new TestNetwork(dir);
    node = net.start("n", List.of(), dev.tandem.node.fault.Fault.NONE);
    echo = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/echo/echo.wasm"));
  }

  @AfterAll
  void stop() {
    net.close();
  }

  HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return TestNetwork.HTTP.send(b.header("Origin", ORIGIN).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> preflight(String path, String method, String headers) throws Exception {
    return send(HttpRequest.newBuilder(node.url().resolve(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Access-Control-Request-Method", method).header("Access-Control-Request-Headers", headers));
  }

  HttpResponse<byte[]> rpc(String method, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.url().resolve("/rpc")).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":{}}"));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b);
  }

  static String allowOrigin(HttpResponse<?> res) {
    return res.headers().firstValue("Access-Control-Allow-Origin").orElse(null);
  }

  @Test
  void preflightsOfServiceAndRpcCallsAreAnsweredWithoutAuthorization() throws Exception {
    for (String path : List.of("/services/" + Cid.rawSha256(echo), "/rpc")) {
      HttpResponse<byte[]> res = preflight(path, "POST", "content-type");
      assertThat(res.statusCode()).as(path).isEqualTo(204);
      assertThat(allowOrigin(res)).isEqualTo("*");
      assertThat(res.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST");
      assertThat(res.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
          .isEqualTo("Content-Type").doesNotContainIgnoringCase("authorization");
    }
    assertThat(preflight("/ipfs/" + Cid.rawSha256(echo), "GET", "accept").statusCode()).isEqualTo(204);
  }

  @Test
  void publicRpcAnswersCarryCorsAndAdminOnesNever() throws Exception {
    HttpResponse<byte[]> status = rpc("tandem_status", null);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(allowOrigin(status)).isEqualTo("*");
    HttpResponse<byte[]> admin = rpc("tandem_offer", TestNetwork.adminToken(node));
    assertThat(allowOrigin(admin)).isNull();
    HttpResponse<byte[]> publicWithToken = rpc("tandem_status", TestNetwork.adminToken(node));
    assertThat(allowOrigin(publicWithToken)).isNull();
    assertThat(allowOrigin(send(HttpRequest.newBuilder(node.url().resolve("/dashboard.json")).GET()))).isNull();
  }

  @Test
  void theMeteredModuleIsServedByItsCidAndAWrongOneIsRefused() throws Exception {
    KeyPair owner = KeyPair.generate();
    Cid metered = Sandbox.meteredCid(echo);
    ServiceRecord good = ServiceRecord.builder().name("echo-metered").module(Cid.rawSha256(echo)).metered(metered)
        .home(node.url()).sign(owner);
    ServiceRecord wrong = ServiceRecord.builder().name("echo-wrong-meter").module(Cid.rawSha256(echo))
        .metered(Cid.rawSha256(echo)).home(node.url()).sign(owner);
    NodeClient admin = new NodeClient(node.url(), TestNetwork.adminToken(node));
    for (ServiceRecord r : List.of(good, wrong)) {
      admin.submit(r, echo, null);
      admin.rpc("tandem_offer", Json.object().put("service", r.serviceId()));
    }
    TestNetwork.await("both services prepared", Duration.ofSeconds(30), () -> {
      var states = node.hosting().states();
      return states.get(good.serviceId()) instanceof Hosting.State.Ready
          && states.get(wrong.serviceId()) instanceof Hosting.State.Failed;
    });
    assertThat(((Hosting.State.Failed) node.hosting().states().get(wrong.serviceId())).why())
        .contains("metered: the record names " + Cid.rawSha256(echo));

    HttpResponse<byte[]> bytes = send(HttpRequest.newBuilder(node.url().resolve("/ipfs/" + metered + "?format=raw"))
        .GET());
    assertThat(bytes.statusCode()).isEqualTo(200);
    assertThat(allowOrigin(bytes)).isEqualTo("*");
    assertThat(Cid.rawSha256(bytes.body())).isEqualTo(metered);
    assertThat(bytes.body()).isEqualTo(Sandbox.metered(echo)).isNotEqualTo(echo);

    HttpResponse<byte[]> call = send(HttpRequest.newBuilder(URI.create(node.url() + "/services/" + good.serviceId()))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"a\":1}}")));
    assertThat(allowOrigin(call)).isEqualTo("*");
    assertThat(Json.parse(call.body()).path("tandem").path("sig").asText()).isNotEmpty();
    assertThat(new String(call.body(), StandardCharsets.UTF_8)).contains("\"result\"");
  }

  /**
   * The "try it" page is served beside the dashboard, same-origin only like it, with the TypeScript client's browser
   * bundle exactly as committed in clients/js/bundle (whose own tests check it is what the sources build).
   */
  @Test
  void theTryItPageAndTheCommittedClientBundleAreServed() throws Exception {
    for (String path : List.of("/try", "/try/")) {
      HttpResponse<byte[]> page = send(HttpRequest.newBuilder(node.url().resolve(path)).GET());
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
      assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("/try/try.js");
      assertThat(allowOrigin(page)).isNull();
    }
    HttpResponse<byte[]> bundle = send(HttpRequest.newBuilder(node.url().resolve("/try/tandem-client.js")).GET());
    assertThat(bundle.statusCode()).isEqualTo(200);
    assertThat(bundle.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
    assertThat(bundle.body()).isEqualTo(
        Files.readAllBytes(TestNetwork.repoRoot().resolve("clients/js/bundle/tandem-client.js")));
    assertThat(send(HttpRequest.newBuilder(node.url().resolve("/try/build.mjs")).GET()).statusCode()).isEqualTo(404);
  }
}
