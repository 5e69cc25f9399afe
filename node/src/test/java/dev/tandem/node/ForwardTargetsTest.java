package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.registry.store.SqliteRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New evidence goes to the configured peers and a random sample of the other servers, 16 in all: anyone can register
 * servers, and forwarding to each of a thousand would make every judged item a thousand requests.
 */
class ForwardTargetsTest {
  @TempDir
  Path dir;

  @Test
  void theConfiguredPeersThenASampleOfTheOthersSixteenInAll() {
    URI peer = URI.create("http://127.0.0.1:7400");
    NodeConfig config = NodeConfig.builder(dir).listen("127.0.0.1:0").addPeers(List.of(peer)).build();
    try (SqliteRegistry registry = SqliteRegistry.inMemory()) {
      for (int i = 0; i < 200; i++) {
        KeyPair key = KeyPair.generate();
        URI url = URI.create("http://127.0.0." + (i + 2) + ":" + (7500 + i));
        registry.submit(new ServerRecord(key.publicKey(), url, List.of(), List.of(),
            ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key));
      }
      SelfRecord self = new SelfRecord(KeyPair.generate(), registry, null, () -> config);
      Set<URI> seen = new HashSet<>();
      for (int round = 0; round < 5; round++) {
        List<URI> targets = self.forwardTargets(Node.EVIDENCE_FANOUT);
        assertThat(targets).hasSize(16).doesNotHaveDuplicates();
        assertThat(targets.get(0)).isEqualTo(peer);
        seen.addAll(targets);
      }
      assertThat(seen).as("a sample, not always the same servers").hasSizeGreaterThan(16);
    }
  }

  /**
   * The evidence sync asks its peers one after another: a thousand registered servers that each stall would make a
   * round take hours. It pulls from the configured peers and the most trusted servers, 16 in all, never from a
   * blacklisted one; strangers of equal trust take turns.
   */
  @Test
  void evidenceIsPulledFromTheConfiguredPeersAndTheMostTrustedServersSixteenInAll() {
    URI peer = URI.create("http://127.0.0.1:7400");
    NodeConfig config = NodeConfig.builder(dir).listen("127.0.0.1:0").addPeers(List.of(peer)).build();
    try (SqliteRegistry registry = SqliteRegistry.inMemory()) {
      java.util.Map<dev.tandem.core.crypto.PublicKey, Double> trust = new java.util.HashMap<>();
      List<URI> trusted = new java.util.ArrayList<>();
      URI blacklisted = null;
      for (int i = 0; i < 200; i++) {
        KeyPair key = KeyPair.generate();
        URI url = URI.create("http://127.0.0." + (i + 2) + ":" + (7500 + i));
        registry.submit(new ServerRecord(key.publicKey(), url, List.of(), List.of(),
            ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key));
        double weight = i < 5 ? 0.9 : i == 5 ? 0 : 0.25; // five proven servers, one convicted, the rest strangers
        trust.put(key.publicKey(), weight);
        if (i < 5) {
          trusted.add(url);
        } else if (i == 5) {
          blacklisted = url;
        }
      }
      SelfRecord self = new SelfRecord(KeyPair.generate(), registry, null, () -> config);
      Set<URI> seen = new HashSet<>();
      for (int round = 0; round < 5; round++) {
        List<URI> peers = self.evidencePeers(Node.EVIDENCE_SYNC_PEERS, trust::get);
        assertThat(peers).hasSize(16).doesNotHaveDuplicates().doesNotContain(blacklisted);
        assertThat(peers.get(0)).isEqualTo(peer);
        assertThat(peers.subList(1, 6)).containsExactlyInAnyOrderElementsOf(trusted);
        seen.addAll(peers);
      }
      assertThat(seen).as("strangers take turns").hasSizeGreaterThan(16);
    }
  }
}
