package dev.tandem.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replaying a genuinely signed but superseded ServerRecord (an older {@code seq}) never rolls a server back: not by
 * direct submission, not through gossip from a peer that keeps serving the old record, not after the node restarts
 * (the newest seq is on disk, not only in memory), and a retired server cannot be brought back by replaying its
 * record from before it retired. A different record under an already used seq (equivocation) is refused too.
 *
 * <p>The simple "older seq is refused on every node" case is covered by
 * {@code ThreeNodeTest.badRecordsAreRejectedEverywhereWithReasonsAndNotStored}; this test adds the replay paths.
 */
class ReplayTest {
  @TempDir Path dir;

  static NodeConfig config(Path data, List<URI> peers) {
    return NodeConfig.builder(data).listen("127.0.0.1:0").addPeers(peers).gossipInterval(Duration.ofMillis(100))
        .build();
  }

  static ServerRecord server(KeyPair key, String url, long seq, boolean retired) {
    return new ServerRecord(key.publicKey(), URI.create(url), List.of(), List.of(), ServerRecord.Capacity.defaults(),
        seq, retired, null).signedBy(key);
  }

  static JsonNode submit(Node node, SignedRecord record) throws Exception {
    ObjectNode p = Json.object();
    p.set("record", record.toJson());
    return Wire.rpc(node, "tandem_submitRecord", p, null);
  }

  static void assertRejected(JsonNode answer, String field) {
    assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(RpcErrors.REJECTED);
    assertThat(answer.path("error").path("message").asText()).contains(field);
  }

  @Test
  void oldRecordsReplayedDirectlyThroughGossipAndAfterARestartAreRejected() throws Exception {
    Path data = dir.resolve("node");
    KeyPair other = KeyPair.generate();
    ServerRecord v1 = server(other, "http://127.0.0.1:1", 1, false);
    ServerRecord v2 = server(other, "http://127.0.0.1:2", 2, false);
    ServerRecord v2Forked = server(other, "http://127.0.0.1:3", 2, false);
    KeyPair retiring = KeyPair.generate();
    ServerRecord alive = server(retiring, "http://127.0.0.1:4", 7, false);
    ServerRecord retired = server(retiring, "http://127.0.0.1:4", 8, true);

    ServerRecord ownOld;
    ServerRecord ownNew;
    try (HostilePeer peer = new HostilePeer()) {
      Node node = Node.start(config(data, List.of(peer.url())));
      try {
        // The node's own record, captured as an eavesdropper would, then superseded by the node itself.
        ownOld = node.registry().server(node.publicKey()).orElseThrow();
        Thread.sleep(5); // publish() uses the clock for seq: make sure the next one is higher
        ObjectNode reward = Json.object().put("service", "bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy");
        assertThat(Wire.rpc(node, "tandem_reward", reward, Wire.adminToken(node)).has("result")).isTrue();
        ownNew = node.registry().server(node.publicKey()).orElseThrow();
        assertThat(ownNew.seq()).isGreaterThan(ownOld.seq());

        assertThat(submit(node, v2).path("result").path("status").asText()).isEqualTo("stored");
        assertThat(submit(node, alive).has("result")).isTrue();
        assertThat(submit(node, retired).has("result")).isTrue();

        // Direct replays.
        assertRejected(submit(node, v1), "seq");
        assertRejected(submit(node, ownOld), "seq");
        assertRejected(submit(node, alive), "seq");
        assertRejected(submit(node, v2Forked), "seq");

        // The same replays from a gossip peer, every round.
        peer.serve(List.of(v1, ownOld, alive, v2Forked));
        int before = peer.pulls();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (peer.pulls() < before + 5) {
          assertThat(System.nanoTime()).as("the node to pull from the hostile peer 5 times").isLessThan(deadline);
          Thread.sleep(20);
        }
        assertCurrent(node, v2, ownNew, retired);
      } finally {
        node.close();
      }
    }

    // After a restart the seqs come from disk: the old records are still refused.
    Node again = Node.start(config(data, List.of()));
    try {
      assertThat(again.publicKey()).isEqualTo(ownOld.key());
      assertRejected(submit(again, v1), "seq");
      assertRejected(submit(again, ownOld), "seq");
      assertRejected(submit(again, alive), "seq");
      assertRejected(submit(again, v2Forked), "seq");
      ServerRecord ownNow = again.registry().server(again.publicKey()).orElseThrow();
      assertThat(ownNow.seq()).isGreaterThanOrEqualTo(ownNew.seq());
      assertCurrent(again, v2, ownNow, retired);
    } finally {
      again.close();
    }
  }

  private static void assertCurrent(Node node, ServerRecord other, ServerRecord own, ServerRecord retired) {
    assertThat(node.registry().server(other.key())).contains(other);
    assertThat(node.registry().server(own.key())).contains(own);
    assertThat(node.registry().server(retired.key())).contains(retired);
    assertThat(node.registry().servers()).extracting(ServerRecord::key).doesNotContain(retired.key());
  }
}
