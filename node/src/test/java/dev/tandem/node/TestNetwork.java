package dev.tandem.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Real nodes on loopback for tests, each with its own data dir, and plain HTTP helpers to talk to them. */
final class TestNetwork implements AutoCloseable {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  final List<Node> nodes = new ArrayList<>();
  private final Path dir;

  TestNetwork(Path dir) {
    this.dir = dir;
  }

  Node start(String name, List<URI> peers, dev.tandem.node.fault.Fault fault) throws Exception {
    return start(name, peers, fault, b -> b);
  }

  /** As {@link #start(String, List, dev.tandem.node.fault.Fault)}, the configuration changed by {@code more}. */
  Node start(String name, List<URI> peers, dev.tandem.node.fault.Fault fault,
      java.util.function.UnaryOperator<NodeConfig.Builder> more) throws Exception {
    NodeConfig config = more.apply(NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers)
        .gossipInterval(Duration.ofMillis(150)).fault(fault)).build();
    Node node = Node.start(config);
    nodes.add(node);
    return node;
  }

  static String adminToken(Node node) throws IOException {
    return Files.readString(node.config().dataDir().resolve("admin.token")).trim();
  }

  record Reply(int status, String body) {
    JsonNode json() throws Exception {
      return Json.parse(body);
    }
  }

  static Reply post(URI url, String body, String token) throws Exception {
    return post(url, body, token, false);
  }

  /** With {@code expectContinue} the server can refuse an oversized body before it is sent. */
  static Reply post(URI url, String body, String token, boolean expectContinue) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(20)).expectContinue(expectContinue)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(res.statusCode(), res.body());
  }

  static Reply get(URI url) throws Exception {
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return new Reply(res.statusCode(), res.body());
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Registers the echo module as {@code name} through {@code home} and has every node of {@code offerers} offer it. */
  static dev.tandem.core.record.ServiceRecord offerEcho(String name, dev.tandem.core.crypto.KeyPair owner, Node home,
      List<Node> offerers) throws Exception {
    byte[] echo = Files.readAllBytes(repoRoot().resolve("services/echo/echo.wasm"));
    var record = dev.tandem.core.record.ServiceRecord.builder().name(name)
        .module(dev.tandem.core.cid.Cid.rawSha256(echo)).verifier(dev.tandem.core.record.ServiceRecord.BUILTIN_EQUAL)
        .home(home.url()).sign(owner);
    new dev.tandem.client.NodeClient(home.url()).submit(record, echo, null);
    for (Node n : offerers) {
      new dev.tandem.client.NodeClient(n.url(), adminToken(n)).rpc("tandem_offer",
          Json.object().put("service", record.serviceId()));
    }
    await("every node to offer " + name, Duration.ofSeconds(30), () -> offerers.stream().allMatch(n -> home
        .registry().server(n.publicKey()).map(s -> s.offers().contains(record.serviceId())).orElse(false)));
    return record;
  }

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("services"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("services/ not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      n.close();
    }
  }
}
