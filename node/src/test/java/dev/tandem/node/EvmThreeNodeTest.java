package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.registry.evm.EvmDeployment;
import dev.tandem.registry.evm.EvmRegistry;
import dev.tandem.registry.evm.LocalChain;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three-node call scenario with the registry on a local EVM chain instead of the embedded one. */
class EvmThreeNodeTest {
  @TempDir Path dir;

  @Test
  void serviceRegisteredOnNode1IsFetchedByNode3AndCalledOverTheChainRegistry() throws Exception {
    LocalChain chain;
    try {
      chain = LocalChain.start();
    } catch (LocalChain.Unavailable e) {
      Assumptions.abort("no local chain available: " + e.getMessage());
      return;
    }
    List<Node> nodes = new ArrayList<>();
    try (chain) {
      EvmDeployment deployment = EvmRegistry.deploy(chain.rpc(), LocalChain.devAccount(0), BigInteger.ZERO);
      for (int i = 0; i < 3; i++) {
        Path data = dir.resolve("n" + i);
        Files.createDirectories(data);
        Path ethKey = LocalChain.writeDevKey(i + 1, data.resolve("eth.key"));
        nodes.add(Node.start(NodeConfig.builder(data).listen("127.0.0.1:0").registry(deployment.spec())
            .ethKeyFile(ethKey).build()));
      }
      Node n1 = nodes.get(0);
      Node n2 = nodes.get(1);
      Node n3 = nodes.get(2);
      byte[] wasm = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/whisper/whisper.wasm"));
      ServiceRecord whisper = ServiceRecord.builder().name("whisper").module(Cid.rawSha256(wasm))
          .home(n1.url().toString()).sign(KeyPair.generate());
      String id = whisper.serviceId();
      com.fasterxml.jackson.databind.node.ObjectNode p = Json.object();
      p.set("record", whisper.toJson());
      p.put("module", java.util.Base64.getEncoder().encodeToString(wasm));
      JsonNode stored = TestNetwork.post(URI.create(n1.url() + "/rpc"), ThreeNodeTest.request("tandem_submitRecord", p),
          null).json();
      assertThat(stored.path("result").path("status").asText()).as(stored.toString()).isEqualTo("stored");
      TestNetwork.await("the record on the chain to reach node 3", Duration.ofSeconds(20),
          () -> n3.registry().service(id).isPresent());
      for (Node n : List.of(n3, n2)) {
        TestNetwork.post(URI.create(n.url() + "/rpc"), ThreeNodeTest.request("tandem_offer",
            Json.object().put("service", id)), TestNetwork.adminToken(n));
        TestNetwork.await("offer ready", Duration.ofSeconds(30), () -> n.hosting().ready(id).isPresent());
      }
      TestNetwork.await("node 3's offer on the chain", Duration.ofSeconds(20),
          () -> n1.registry().server(n3.publicKey()).map(s -> s.offers().contains(id)).orElse(false));
      String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"digest\",\"params\":{\"data\":\"tandem\"}}";
      List<String> hashes = new ArrayList<>();
      for (Node n : List.of(n3, n2)) {
        JsonNode answer = TestNetwork.post(URI.create(n.url() + "/services/" + id), call, null).json();
        Attestation att = Attestation.fromJson(answer.get("tandem"));
        assertThat(att.server()).isEqualTo(n.publicKey());
        assertThat(att.verifies()).isTrue();
        assertThat(att.responseHash()).isEqualTo(Hashes.sha256Hex(Jcs.canonicalize(
            Json.object().set("result", answer.get("result")))));
        hashes.add(att.responseHash());
      }
      assertThat(hashes.get(0)).isEqualTo(hashes.get(1));
    } finally {
      nodes.forEach(Node::close);
    }
  }
}
