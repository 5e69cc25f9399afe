package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TandemClient;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.OciSpec;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.oci.LocalRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes run the example OCI service "tally", pulled by digest from a local registry: h0 (home) and h1
 * honestly, and a liar that runs the lying image in place of the record's (same record, another digest). Calls are
 * verified, the liar is convicted and its conviction confirmed by the honest nodes re-running the request in their
 * own containers, a killed container comes back on the next call, and a tag is refused at registration.
 */
class OciServiceTest {
  static OciNetwork oci;
  static Node h0;
  static Node h1;
  static Node liar;
  static ServiceRecord tally;

  @BeforeAll
  static void start() throws Exception {
    boolean available = LocalRegistry.available();
    if (!available) {
      System.out.println(LocalRegistry.UNAVAILABLE);
    }
    Assumptions.assumeTrue(available, LocalRegistry.UNAVAILABLE);
    oci = OciNetwork.start();
    h0 = oci.node("h0", List.of(), Optional.empty());
    h1 = oci.node("h1", List.of(h0.url()), Optional.empty());
    liar = oci.node("liar", List.of(h0.url()), Optional.of(oci.images.get("tally-liar")));
    tally = ServiceRecord.builder().name("tally").oci(OciSpec.of(oci.images.get("tally"), 8080)).home(h0.url())
        .description("the example OCI service").sign(KeyPair.fromSeed(new byte[32]));
    new NodeClient(h0.url()).submit(tally, null);
    for (Node n : List.of(h0, h1, liar)) {
      OciNetwork.offer(n, tally.serviceId());
    }
    long deadline = System.currentTimeMillis() + 60_000;
    for (Node n : List.of(h0, h1, liar)) {
      while (n.hosting().ready(tally.serviceId()).isEmpty()) {
        assertThat(System.currentTimeMillis()).as("tally ready at " + n.url() + ": " + n.hosting().states())
            .isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  @AfterAll
  static void stop() {
    for (Node n : new Node[] {h0, h1, liar}) {
      if (n != null) {
        n.close();
      }
    }
    if (oci != null) {
      oci.close();
    }
  }

  private static TandemClient client(Set<PublicKey> servers, long seed) {
    return TandemClient.builder().bootstrap(h0.url()).evidenceFeed(false).serverFilter(s -> servers.contains(s.key())).seed(seed)
        .requestTimeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void aCallToTheOciServiceIsVerified() throws Exception {
    try (TandemClient client = client(Set.of(h0.publicKey(), h1.publicKey()), 1)) {
      CallReport report = client.service("tally").callWithReport("sum", Json.parse("{\"numbers\":[1,2,3,-10]}"));
      assertThat(report.result()).contains(Json.parse("{\"count\":4,\"sum\":-4}"));
      assertThat(report.convicted()).isEmpty();
      assertThat(report.votes()).hasSizeGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void theNodeRunningTheLyingImageIsConvicted() throws Exception {
    PublicKey liarKey = liar.publicKey();
    CallReport caught = null;
    try (TandemClient client = client(Set.of(h0.publicKey(), h1.publicKey(), liarKey), 7)) {
      for (int i = 0; i < 20 && caught == null; i++) {
        JsonNode params = Json.parse("{\"numbers\":[" + i + ",5]}");
        CallReport report = client.service("tally").callWithReport("sum", params);
        assertThat(report.result()).as("call %d", i).contains(Json.parse("{\"count\":2,\"sum\":" + (i + 5) + "}"));
        if (report.answers().stream().anyMatch(a -> liarKey.equals(a.server()))) {
          caught = report;
        }
      }
      assertThat(caught).as("the liar was asked in one of 20 calls").isNotNull();
      assertThat(caught.convicted()).containsExactly(liarKey);
      assertThat(client.scores().blacklisted(liarKey)).isTrue();
    }
    for (Node honest : List.of(h0, h1)) { // each re-ran the request through its own container
      long deadline = System.currentTimeMillis() + 20_000;
      while (!honest.scores().blacklisted(liarKey) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(honest.scores().blacklisted(liarKey)).as("liar convicted at " + honest.url()).isTrue();
    }
  }

  @Test
  void theClientRefereeRerunsTheImageInItsOwnContainerAndConvictsTheLiar() throws Exception {
    PublicKey liarKey = liar.publicKey();
    // Only h1 and the liar are asked: their answers conflict, and this client re-runs the request in podman itself.
    try (TandemClient client = h1AndLiar(3, "podman")) {
      assertThat(client.runsContainers()).isTrue();
      CallReport report = client.service("tally").callWithReport("sum", Json.parse("{\"numbers\":[20,22]}"));
      assertThat(report.result()).contains(Json.parse("{\"count\":2,\"sum\":42}"));
      assertThat(report.decision()).isEqualTo(CallReport.Decision.REFEREE);
      assertThat(report.reran()).isTrue();
      assertThat(report.convicted()).containsExactly(liarKey);
      assertThat(report.answers()).noneMatch(a -> h0.publicKey().equals(a.server())); // the home was never asked
      assertThat(clientContainers()).as("the referee's container runs while the client does").isNotEmpty();
    }
    assertThat(clientContainers()).as("the referee's containers stop with the client").isEmpty();
  }

  @Test
  void aClientThatRunsNoContainersLeavesTheConflictToTheHomeServer() throws Exception {
    PublicKey liarKey = liar.publicKey();
    try (TandemClient client = h1AndLiar(4, "off")) {
      assertThat(client.runsContainers()).isFalse();
      CallReport report = client.service("tally").callWithReport("sum", Json.parse("{\"numbers\":[7,7]}"));
      assertThat(report.result()).contains(Json.parse("{\"count\":2,\"sum\":14}"));
      assertThat(report.decision()).isEqualTo(CallReport.Decision.HOME);
      assertThat(report.convicted()).containsExactly(liarKey);
      assertThat(report.notes()).anyMatch(n -> n.contains("this client runs no containers"));
    }
  }

  /** A client that asks h1 and the liar only, both every call, and re-runs OCI services with {@code containers}. */
  private static TandemClient h1AndLiar(long seed, String containers) {
    return TandemClient.builder().bootstrap(h0.url()).evidenceFeed(false).minRequests(2).seed(seed).containers(containers)
        .serverFilter(s -> s.key().equals(liar.publicKey()) || s.key().equals(h1.publicKey()))
        .requestTimeout(Duration.ofSeconds(5)).build();
  }

  /** Names of the containers client referees run on this host. */
  private static List<String> clientContainers() throws Exception {
    Process p = new ProcessBuilder("podman", "ps", "-a", "--filter", "name=^tandem-client-", "--format",
        "{{.Names}}").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    return out.isEmpty() ? List.of() : List.of(out.split("\n"));
  }

  @Test
  void aKilledContainerIsRestartedAndTheNextCallSucceeds() throws Exception {
    var runtime = h1.hosting().oci().orElseThrow();
    String name = runtime.container(tally.serviceId()).orElseThrow().name();
    new ProcessBuilder("podman", "kill", name).inheritIO().start().waitFor();
    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(h1.url() + "/services/" + tally.serviceId()))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sum\",\"params\":{\"numbers\":[40,2]}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode json = Json.parse(answer.body());
    assertThat(json.path("result")).as(answer.body()).isEqualTo(Json.parse("{\"count\":2,\"sum\":42}"));
    assertThat(json.path("tandem").path("server").asText()).isEqualTo(h1.publicKey().toString());
    assertThat(runtime.container(tally.serviceId()).orElseThrow().name()).isEqualTo(name);
  }

  @Test
  void aTagInsteadOfADigestIsRefusedAtRegistration() throws Exception {
    String tagged = oci.registry.address() + "/tandem/tally:build";
    assertThatThrownBy(() -> OciSpec.of(tagged, 8080)).isInstanceOf(RecordException.class)
        .hasMessageContaining("must be pinned by digest as REGISTRY/REPO@sha256:DIGEST");
    ObjectNode json = tally.toJson();
    json.put("image", tagged);
    ObjectNode params = Json.object();
    params.set("record", json);
    assertThatThrownBy(() -> new NodeClient(h0.url()).rpc("tandem_submitRecord", params))
        .isInstanceOf(NodeClient.NodeException.class)
        .hasMessageContaining("image")
        .hasMessageContaining("pinned by digest");
  }
}
