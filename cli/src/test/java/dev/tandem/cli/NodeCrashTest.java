package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a node while it is storing records, then a restart on the same data dir: the same key, every
 * record it acknowledged, and its offers are back.
 */
class NodeCrashTest {
  @TempDir Path dir;

  @Test
  void survivesKillNineWhileStoringRecords() throws Exception {
    Path data = dir.resolve("node");
    byte[] wasm = Files.readAllBytes(TestPaths.repoRoot().resolve("services/echo/echo.wasm"));
    KeyPair owner = KeyPair.generate();
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(owner);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    String key;
    try (NodeProcess node = NodeProcess.start(data)) {
      key = node.key;
      NodeClient client = new NodeClient(node.url);
      client.submit(echo, wasm);
      acknowledged.add(echo.serviceId());
      String token = Files.readString(data.resolve("admin.token")).trim();
      new NodeClient(node.url, token).rpc("tandem_offer",
          Json.object().put("service", echo.serviceId()));
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        Thread t = Thread.ofPlatform().start(() -> {
          while (!stop.get()) {
            KeyPair k = KeyPair.generate();
            ServerRecord r = new ServerRecord(k.publicKey(), URI.create("http://127.0.0.1:9"), List.of(), List.of(),
                ServerRecord.Capacity.defaults(), 1, false, null).signedBy(k);
            try {
              client.submit(r, null);
              acknowledged.add(k.publicKey().toString()); // only after the node answered "stored"
            } catch (Exception e) {
              return; // the node died mid-request: not acknowledged
            }
          }
        });
        writers.add(t);
      }
      Thread.sleep(1500);
      node.kill9();
      stop.set(true);
      for (Thread t : writers) {
        t.join();
      }
    }
    assertThat(acknowledged.size()).isGreaterThan(10);

    try (NodeProcess again = NodeProcess.start(data)) {
      assertThat(again.key).isEqualTo(key);
      Set<String> stored = ConcurrentHashMap.newKeySet();
      for (SignedRecord r : new NodeClient(again.url).records()) {
        stored.add(r instanceof ServiceRecord s ? s.serviceId() : ((ServerRecord) r).key().toString());
      }
      assertThat(stored).containsAll(acknowledged);
      JsonNode status = new NodeClient(again.url).status();
      long deadline = System.currentTimeMillis() + 30_000;
      while (!status.path("offers").toString().contains(echo.serviceId())
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
        status = new NodeClient(again.url).status();
      }
      assertThat(status.path("offers").toString()).contains(echo.serviceId());
    }
  }
}
