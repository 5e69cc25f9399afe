package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.guard.Limit;
import dev.tandem.sandbox.GeneratedModules;
import dev.tandem.sandbox.ModuleValidator;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence spam on real nodes: an attacker on 127.0.0.2 sends oversized evidence, evidence for made-up services and
 * endless self-convicting evidence for a real one. What it adds to {@code node.db} stays within its address's quota,
 * evidence that cannot be judged is held in a bounded queue and never stored, and an honest party on 127.0.0.1 still
 * gets a liar convicted.
 */
class EvidenceFloodTest {
  static final int QUOTA_KB = 1024;
  static final int QUEUE_ITEMS = 8;
  @TempDir Path dir;

  @Test
  void spamStaysWithinTheQuotaAndHonestEvidenceStillConvicts() throws Exception {
    try (TestNetwork net = new TestNetwork(dir)) {
      Node victim = Node.start(NodeConfig.builder(dir.resolve("victim")).listen("127.0.0.1:0")
          .gossipInterval(Duration.ofMillis(150)).limit(Limit.EVIDENCE_KB_PER_ADDRESS_PER_HOUR, QUOTA_KB)
          .limit(Limit.EVIDENCE_QUEUE_ITEMS, QUEUE_ITEMS).build());
      net.nodes.add(victim);
      Node liar = net.start("liar", List.of(victim.url()), dev.tandem.node.fault.Fault.LIE);
      ServiceRecord echo = TestNetwork.offerEcho("echo", KeyPair.generate(), victim, List.of(victim, liar));
      Path db = victim.config().dataDir().resolve("node.db");
      long before = checkpointedSize(db);
      Random random = new Random(13);
      Map<Integer, Integer> codes = new TreeMap<>();

      // One item above --max-evidence-bytes (1 MiB), inside the 2 MiB body limit.
      JsonNode huge = attack(victim.url(), selfConvicting(echo.serviceId(), 1_200_000, random));
      assertThat(huge.path("error").path("code").asInt()).isEqualTo(RpcErrors.TOO_LARGE);
      assertThat(huge.path("error").path("message").asText()).contains("--max-evidence-bytes");

      // Evidence for services nobody knows: held in memory up to the queue's size, then refused.
      int held = 0;
      for (int i = 0; i < 2 * QUEUE_ITEMS; i++) {
        Evidence e = selfConvicting(Cid.rawSha256(("made up " + i).getBytes()).toString(), 16_000, random);
        JsonNode answer = attack(victim.url(), e);
        if (answer.path("result").path("status").asText().equals("pending")) {
          held++;
        } else {
          codes.merge(answer.path("error").path("code").asInt(), 1, Integer::sum);
        }
      }
      assertThat(held).isEqualTo(QUEUE_ITEMS);
      assertThat(codes).containsEntry(RpcErrors.OVERLOADED, QUEUE_ITEMS);
      assertThat(victim.evidence().held()).isEqualTo(QUEUE_ITEMS);

      // Self-convicting evidence for the real service, every item new: judged until the address's quota is spent.
      int convicted = 0;
      codes.clear();
      for (int i = 0; i < 60; i++) {
        JsonNode answer = attack(victim.url(), selfConvicting(echo.serviceId(), 32_000, random));
        if (answer.path("result").path("status").asText().equals("convicted")) {
          convicted++;
        } else {
          codes.merge(answer.path("error").path("code").asInt(), 1, Integer::sum);
        }
      }
      long growth = checkpointedSize(db) - before;
      System.out.printf("evidence flood: %d convicting items stored, %d refused %s; node.db grew %,d bytes "
          + "(quota %,d)%n", convicted, 60 - convicted, codes, growth, QUOTA_KB * 1024L);
      assertThat(convicted).isPositive().isLessThan(QUOTA_KB / 32);
      assertThat(codes).containsOnlyKeys(RpcErrors.REJECTED);
      assertThat(growth).as("node.db growth in bytes").isLessThanOrEqualTo(QUOTA_KB * 1024L);

      // An honest party on another address still gets the liar convicted.
      JsonNode params = Json.parse("{\"honest\":1}");
      Map<Attestation, JsonNode> votes = new LinkedHashMap<>();
      for (Node n : List.of(victim, liar)) {
        JsonNode answer = TestNetwork.post(URI.create(n.url() + "/services/" + echo.serviceId()),
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":" + params + "}", null).json();
        ObjectNode response = Json.object();
        response.set("result", answer.get("result"));
        votes.put(Attestation.fromJson(answer.get("tandem")), response);
      }
      ObjectNode p = Json.object();
      p.set("evidence", Evidence.of(echo.serviceId(), ServiceCall.of("echo", params), votes).toJson());
      JsonNode verdict = new NodeClient(victim.url()).rpc("tandem_submitEvidence", p);
      assertThat(verdict.path("status").asText()).isEqualTo("convicted");
      assertThat(verdict.path("convicted").toString()).contains(liar.publicKey().toString());
      assertThat(victim.scores().blacklisted(liar.publicKey())).isTrue();
    }
  }

  /**
   * A service's owner chooses its limits, so evidence of it can cost this node minutes of re-runs for a kilobyte: the
   * re-run time is charged to the address the evidence came from, and once used up its next items are refused before
   * anything runs, while another address is still heard.
   */
  @Test
  void reRunTimeIsChargedToTheAddressTheEvidenceCameFrom() throws Exception {
    try (TestNetwork net = new TestNetwork(dir)) {
      Node victim = Node.start(NodeConfig.builder(dir.resolve("victim")).listen("127.0.0.1:0")
          .gossipInterval(Duration.ofMillis(150)).limit(Limit.RERUN_MS_PER_ADDRESS_PER_HOUR, 1).build());
      net.nodes.add(victim);
      ServiceRecord echo = TestNetwork.offerEcho("echo", KeyPair.generate(), victim, List.of(victim));
      Random random = new Random(7);

      JsonNode first = attack(victim.url(), selfConvicting(echo.serviceId(), 100, random));
      assertThat(first.path("result").path("status").asText()).isEqualTo("convicted");
      JsonNode second = attack(victim.url(), selfConvicting(echo.serviceId(), 100, random));
      assertThat(second.path("error").path("code").asInt()).isEqualTo(RpcErrors.REJECTED);
      assertThat(second.path("error").path("message").asText()).contains("--rerun-ms-per-address-per-hour");

      ObjectNode p = Json.object();
      p.set("evidence", selfConvicting(echo.serviceId(), 100, random).toJson());
      JsonNode honest = new NodeClient(victim.url()).rpc("tandem_submitEvidence", p);
      assertThat(honest.path("status").asText()).isEqualTo("convicted");
    }
  }

  @Test
  void loadingAStrangersModuleIsChargedToWhoeverBroughtIt() throws Exception {
    // 660 KB of code the validator reads to its end before it finds the table it refuses: hundreds of milliseconds
    // of a load, and no re-run at all. Nobody offers the service; any key could register it. The node holds the
    // module already (as if fetched), since it would refuse it with the record.
    byte[] wasm = GeneratedModules.module(20_000, 10, ModuleValidator.MAX_BR_TABLE_TARGETS);
    Files.createDirectories(dir.resolve("victim/blocks"));
    Files.write(dir.resolve("victim/blocks/" + Hashes.sha256Hex(wasm)), wasm);
    try (TestNetwork net = new TestNetwork(dir)) {
      Node victim = Node.start(NodeConfig.builder(dir.resolve("victim")).listen("127.0.0.1:0")
          .limit(Limit.RERUN_MS_PER_ADDRESS_PER_HOUR, 1).build());
      net.nodes.add(victim);
      ServiceRecord heavy = ServiceRecord.builder().name("heavy").module(Cid.rawSha256(wasm))
          .verifier(ServiceRecord.BUILTIN_EQUAL).home(victim.url()).sign(KeyPair.generate());
      new NodeClient(victim.url()).submit(heavy, null, null);
      Random random = new Random(11);

      JsonNode first = attack(victim.url(), selfConvicting(heavy.serviceId(), 100, random));
      assertThat(first.path("result").path("status").asText()).isEqualTo("pending");
      assertThat(first.path("result").path("detail").asText()).contains("br_table");
      JsonNode second = attack(victim.url(), selfConvicting(heavy.serviceId(), 100, random));
      assertThat(second.path("error").path("code").asInt()).isEqualTo(RpcErrors.REJECTED);
      assertThat(second.path("error").path("message").asText()).contains("--rerun-ms-per-address-per-hour");
    }
  }

  /** Evidence two throwaway keys sign for one request of {@code padding} bytes, each with its own wrong answer. */
  static Evidence selfConvicting(String service, int padding, Random random) throws Exception {
    StringBuilder pad = new StringBuilder(padding);
    for (int i = 0; i < padding; i++) {
      pad.append((char) ('a' + random.nextInt(26)));
    }
    ServiceCall call = ServiceCall.of("echo", Json.object().put("pad", pad.toString()));
    Map<Attestation, JsonNode> votes = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      JsonNode wrong = Json.parse("{\"result\":\"wrong " + i + "\"}");
      votes.put(Attestation.sign(KeyPair.generate(), service, call.requestHash(), ServiceCall.responseHash(wrong), 1),
          wrong);
    }
    return Evidence.of(service, call, votes);
  }

  /** {@code tandem_submitEvidence} from 127.0.0.2, another party than the honest callers on 127.0.0.1. */
  static JsonNode attack(URI node, Evidence evidence) throws Exception {
    ObjectNode p = Json.object();
    p.set("evidence", evidence.toJson());
    byte[] body = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tandem_submitEvidence\",\"params\":" + p + "}")
        .getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
      s.connect(new InetSocketAddress(node.getHost(), node.getPort()), 2000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /rpc HTTP/1.1\r\nHost: " + node.getHost() + "\r\nContent-Type: application/json\r\n"
          + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      String reply = all.toString(StandardCharsets.UTF_8);
      return Json.parse(reply.substring(reply.indexOf("\r\n\r\n") + 4));
    }
  }

  /** The size of {@code node.db} once its write-ahead log is folded in, so growth is measured where it lands. */
  static long checkpointedSize(Path db) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    return Files.size(db);
  }
}
