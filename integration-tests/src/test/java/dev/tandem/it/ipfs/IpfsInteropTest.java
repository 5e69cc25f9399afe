package dev.tandem.it.ipfs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TestFiles;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tandem and IPFS tools that are not Tandem, in both directions: {@code ipfs-car} (npm, pinned in
 * {@code integration-tests/ipfs/package.json}) unpacks the CARs a node serves at {@code /ipfs/{cid}?format=car} and
 * gets the same bytes and root CID; and a node fetches a module that only a stand-in gateway built on ipfs-car has,
 * registered by its CID, and runs it. {@code .ci/run} installs the tools with {@code npm ci}; elsewhere the test is
 * skipped until they are installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IpfsInteropTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir static Path dir;
  final Path tools = TestFiles.repoRoot().resolve("integration-tests").resolve("ipfs");
  final List<Node> nodes = new ArrayList<>();
  final List<Process> processes = new ArrayList<>();

  @BeforeAll
  void tools() {
    boolean installed = Files.isRegularFile(tools.resolve("node_modules/ipfs-car/bin.js"));
    if (System.getenv("CI") != null) {
      assertThat(installed).as("ipfs-car installed by .ci/run (npm ci in integration-tests/ipfs)").isTrue();
    }
    Assumptions.assumeTrue(installed, "run `npm ci` in integration-tests/ipfs to run the IPFS interop tests");
  }

  @AfterAll
  void stop() {
    nodes.forEach(Node::close);
    processes.forEach(Process::destroy);
  }

  Node node(String name, List<URI> gateways) throws Exception {
    Node node = Node.start(NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addIpfsGateways(gateways)
        .gossipInterval(Duration.ofMillis(150)).build());
    nodes.add(node);
    return node;
  }

  static String token(Node node) throws IOException {
    return Files.readString(node.config().dataDir().resolve("admin.token")).trim();
  }

  static JsonNode add(Node node, byte[] bytes) throws Exception {
    HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs"))
        .header("Authorization", "Bearer " + token(node)).POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(res.statusCode()).isEqualTo(200);
    return Json.parse(res.body());
  }

  /** Runs the ipfs-car command line and returns what it printed; fails on a non-zero exit. */
  String ipfsCar(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", tools.resolve("node_modules/ipfs-car/bin.js").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("ipfs-car %s: %s", args, out).isZero();
    return out.trim();
  }

  @Test
  void ipfsCarUnpacksWhatANodeServesToTheSameBytesAndRoot() throws Exception {
    Node node = node("gateway", List.of());
    byte[] file = new byte[1_000_003];
    new Random(7).nextBytes(file);
    byte[] module = TestFiles.read("services/echo/echo.wasm");
    for (byte[] content : List.of(file, module)) {
      JsonNode cids = add(node, content);
      for (String key : List.of("v1", "v0", "raw")) {
        String cid = cids.get(key).asText();
        Path car = dir.resolve(cid + ".car");
        HttpResponse<Path> res = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs/" + cid))
            .header("Accept", "application/vnd.ipld.car").build(), HttpResponse.BodyHandlers.ofFile(car));
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(ipfsCar("roots", car.toString())).isEqualTo(cid);
        Path out = dir.resolve(cid + ".out");
        ipfsCar("unpack", car.toString(), "--output", out.toString()); // checks every block's hash
        assertThat(Files.readAllBytes(out)).as("%s of %d bytes", key, content.length).isEqualTo(content);
      }
    }
  }

  @Test
  void aModuleOnlyOnAStandInGatewayIsRegisteredByCidAndCalled() throws Exception {
    Path wasm = TestFiles.repoRoot().resolve("services/echo/echo.wasm");
    Process gateway = new ProcessBuilder("node", tools.resolve("stand-in-gateway.mjs").toString(), wasm.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    processes.add(gateway);
    JsonNode info = Json.parse(new BufferedReader(new InputStreamReader(gateway.getInputStream(),
        StandardCharsets.UTF_8)).readLine());
    Cid root = Cid.parse(info.get("root").asText());
    assertThat(root.codec()).isEqualTo(Cid.DAG_PB); // a DAG of several blocks, not the module's raw CID
    assertThat(info.get("blocks").asInt()).isGreaterThan(1);

    Node node = node("fetcher", List.of(URI.create(info.get("url").asText())));
    KeyPair owner = KeyPair.generate();
    ServiceRecord record = ServiceRecord.builder().name("echo-from-ipfs").module(root)
        .verifier(ServiceRecord.BUILTIN_EQUAL).home(node.url()).limits(ServiceLimits.defaults().withFuel(50_000_000))
        .createdAt(1_000).sign(owner);
    new NodeClient(node.url()).submit(record, null); // no module bytes: the node must find them by CID
    ObjectNode offer = Json.object();
    offer.put("service", record.serviceId());
    new NodeClient(node.url(), token(node)).rpc("tandem_offer", offer);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (node.hosting().ready(record.serviceId()).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(node.hosting().ready(record.serviceId())).as("%s", node.hosting().states()).isPresent();

    HttpResponse<String> call = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/services/"
        + record.serviceId())).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"from\":\"ipfs\"}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(Json.parse(call.body()).path("result")).isEqualTo(Json.parse("{\"from\":\"ipfs\"}"));
    // The node now serves the module itself, under the gateway's CID.
    HttpResponse<byte[]> served = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs/" + root)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(served.body()).isEqualTo(Files.readAllBytes(wasm));
  }
}
