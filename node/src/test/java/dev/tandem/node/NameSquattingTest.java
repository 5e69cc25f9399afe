package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.ServiceNotFoundException;
import dev.tandem.client.TandemClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Name squatting on real nodes: a stranger registers {@code whisper} again under its own key. A bare
 * {@code whisper} becomes ambiguous (and says which qualified names to use), but {@code OWNER/whisper} keeps calling
 * the first owner's service, and so does the admin {@code tandem_offer} by qualified name.
 */
class NameSquattingTest {
  @TempDir Path dir;

  @Test
  void aSecondOwnerOfANameLeavesTheOwnerQualifiedNameCallable() throws Exception {
    byte[] echo = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/echo/echo.wasm"));
    KeyPair owner = KeyPair.generate();
    KeyPair squatter = KeyPair.generate();
    try (TestNetwork net = new TestNetwork(dir)) {
      Node a = net.start("a", List.of(), dev.tandem.node.fault.Fault.NONE);
      Node b = net.start("b", List.of(a.url()), dev.tandem.node.fault.Fault.NONE);
      ServiceRecord whisper = ServiceRecord.builder().name("whisper").module(Cid.rawSha256(echo))
          .verifier(ServiceRecord.BUILTIN_EQUAL).home(a.url()).sign(owner);
      new NodeClient(a.url()).submit(whisper, echo, null);
      String qualified = ServiceNames.qualified(whisper, List.of(whisper));
      // b learns the record by gossip, which is eventually consistent: offer it there once b holds it.
      TestNetwork.await("b to hold the whisper record", Duration.ofSeconds(30),
          () -> b.registry().service(whisper.serviceId()).isPresent());
      for (Node n : List.of(a, b)) {
        ObjectNode p = Json.object().put("service", qualified); // the admin call takes the qualified name too
        JsonNode answer = new NodeClient(n.url(), TestNetwork.adminToken(n)).rpc("tandem_offer", p);
        assertThat(answer.toString()).doesNotContain("error");
      }
      TestNetwork.await("both nodes to offer whisper", Duration.ofSeconds(30), () -> List.of(a, b).stream()
          .allMatch(n -> a.registry().server(n.publicKey()).map(s -> s.offers().contains(whisper.serviceId()))
              .orElse(false)));
      JsonNode params = Json.parse("{\"hello\":\"tandem\"}");
      try (TandemClient client = TandemClient.builder().bootstrap(List.of(a.url())).build()) {
        assertThat(client.service("whisper").call("echo", params)).isEqualTo(params);
      }

      // The squatter: same name, its own key, any module.
      ServiceRecord squat = ServiceRecord.builder().name("whisper").module(Cid.rawSha256(new byte[] {1, 2, 3}))
          .verifier(ServiceRecord.BUILTIN_EQUAL).sign(squatter);
      new NodeClient(b.url()).submit(squat, null, null);
      TestNetwork.await("the squat to reach a", Duration.ofSeconds(10),
          () -> a.registry().service(squat.serviceId()).isPresent());

      List<ServiceRecord> all = a.registry().services();
      String ownersName = ServiceNames.qualified(whisper, all);
      assertThat(ownersName).endsWith("/whisper").hasSizeGreaterThanOrEqualTo(8 + 1 + 7);
      assertThat(ServiceNames.base58(owner.publicKey())).startsWith(ownersName.substring(0, ownersName.indexOf('/')));
      try (TandemClient client = TandemClient.builder().bootstrap(List.of(a.url())).build()) {
        assertThatThrownBy(() -> client.service("whisper")).isInstanceOf(ServiceNotFoundException.class)
            .hasMessageContaining(ownersName).hasMessageContaining(ServiceNames.qualified(squat, all));
        assertThat(client.service(ownersName).call("echo", params)).isEqualTo(params);
        assertThat(client.service("ed25519:" + ServiceNames.base58(owner.publicKey()) + "/whisper")
            .call("echo", params)).isEqualTo(params);
        assertThat(client.service(whisper.serviceId()).call("echo", params)).isEqualTo(params);
      }
    }
  }
}
