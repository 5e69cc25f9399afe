package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's picture on three real nodes. A offers Matrix and Search and rewards Matrix; B offers Whisper and rewards
 * Matrix; C offers Whisper and rewards Whisper. Worked out by hand with give(Y→X) = |offers(Y) ∩ rewards(X)|:
 *
 * <ul>
 *   <li>give(A→B) = |{M,S} ∩ {M}| = 1, give(B→A) = 0: B owes A one of rewards(A) = {M}, so B runs Matrix.
 *   <li>give(B→C) = |{W} ∩ {W}| = 1, give(C→B) = 0: C owes B one of rewards(B) = {M}, so C runs Matrix.
 *   <li>then give(C→A) = |{W,M} ∩ {M}| = 1, give(A→C) = 0: A owes C one of rewards(C) = {W}, so A runs Whisper.
 * </ul>
 *
 * The planners get there by themselves and every pair ends balanced. A peer that stops giving what it was paid
 * for is withdrawn from after the grace period.
 */
class SeedNetworkTest {
  @TempDir Path dir;

  @Test
  void plannersHonourTheSeedPictureAndWithdrawFromADefaultingPeer() throws Exception {
    List<Node> nodes = new ArrayList<>();
    try {
      Node a = start(nodes, "a", List.of());
      Node b = start(nodes, "b", List.of(a.url()));
      Node c = start(nodes, "c", List.of(a.url()));
      Path root = Path.of("").toAbsolutePath();
      while (!Files.isDirectory(root.resolve("services"))) {
        root = root.getParent();
      }
      KeyPair owner = KeyPair.generate();
      String matrix = register(a, owner, "matrix", root.resolve("services/matrix/matrix.wasm"));
      String search = register(a, owner, "search", root.resolve("services/search/search.wasm"));
      String whisper = register(a, owner, "whisper", root.resolve("services/whisper/whisper.wasm"));
      for (Node n : nodes) {
        await(() -> n.registry().services().size() == 3 && n.registry().servers().size() == 3);
      }
      admin(a, "tandem_offer", matrix);
      admin(a, "tandem_offer", search);
      admin(a, "tandem_reward", matrix);
      admin(b, "tandem_offer", whisper);
      admin(b, "tandem_reward", matrix);
      admin(c, "tandem_offer", whisper);
      admin(c, "tandem_reward", whisper);

      await(() -> offers(b).contains(matrix) && offers(c).contains(matrix) && offers(a).contains(whisper));
      for (Node n : nodes) {
        await(() -> allBalanced(n));
      }
      assertThat(offers(a)).containsExactlyInAnyOrder(matrix, search, whisper);
      assertThat(offers(b)).containsExactlyInAnyOrder(whisper, matrix);
      assertThat(offers(c)).containsExactlyInAnyOrder(whisper, matrix);
      JsonNode report = new NodeClient(b.url()).rpc("tandem_reciprocity", Json.object());
      assertThat(report.toString()).contains(a.publicKey().toString()).contains("balanced");

      // A peer that takes without giving: D runs Matrix, which B rewards, and wants Search. B owes it one service
      // and runs Search for it. Then D stops running Matrix (and, unlike a Tandem planner, does not make it up):
      // it is in arrears, and after the grace period in default, and B withdraws what it ran only for D.
      KeyPair d = KeyPair.generate();
      URI dUrl = URI.create("http://127.0.0.1:9");
      new NodeClient(a.url()).submit(new ServerRecord(d.publicKey(), dUrl, List.of(matrix), List.of(search),
          ServerRecord.Capacity.defaults(), 1, false, null).signedBy(d), null);
      await(() -> offers(b).contains(search));
      new NodeClient(a.url()).submit(new ServerRecord(d.publicKey(), dUrl, List.of(), List.of(search),
          ServerRecord.Capacity.defaults(), 2, false, null).signedBy(d), null);
      await(() -> !offers(b).contains(search));
      assertThat(offers(b)).containsExactlyInAnyOrder(whisper, matrix); // what B runs for A stays
      JsonNode after = new NodeClient(b.url()).rpc("tandem_reciprocity", Json.object());
      assertThat(after.toString()).contains("in default").contains(d.publicKey().toString());
    } finally {
      nodes.forEach(Node::close);
    }
  }

  private Node start(List<Node> nodes, String name, List<URI> peers) throws Exception {
    Node n = Node.start(NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers)
        .gossipInterval(Duration.ofMillis(150)).reciprocityGrace(Duration.ofSeconds(1))
        .reciprocityInterval(Duration.ofMillis(200)).build());
    nodes.add(n);
    return n;
  }

  private static String register(Node via, KeyPair owner, String name, Path wasmFile) throws Exception {
    byte[] wasm = Files.readAllBytes(wasmFile);
    ServiceRecord rec = ServiceRecord.builder().name(name).module(Cid.rawSha256(wasm)).sign(owner);
    new NodeClient(via.url()).submit(rec, wasm);
    return rec.serviceId();
  }

  private static void admin(Node n, String method, String service) throws Exception {
    ObjectNode p = Json.object().put("service", service);
    new NodeClient(n.url(), Files.readString(n.config().dataDir().resolve("admin.token")).trim()).rpc(method, p);
  }

  /** What the node publishes in its ServerRecord (only services it can run). */
  private static List<String> offers(Node n) {
    return n.registry().server(n.publicKey()).map(s -> s.offers()).orElse(List.of());
  }

  private static boolean allBalanced(Node n) {
    Obligations o = Obligations.of(n.registry().servers());
    return o.pairs().stream().allMatch(p -> p.xOwesY() == 0 && p.yOwesX() == 0);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out");
      }
      Thread.sleep(100);
    }
  }
}
