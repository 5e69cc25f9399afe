package dev.tandem.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.ServiceCall;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.random.RandomGenerator;

/** The node's own database's writes ({@code node.db}) that must be durable once acknowledged. */
final class NodeDbWriters {
  private NodeDbWriters() {}

  static List<AckedWriter> all(Path echoWasm) {
    return List.of(new Convictions(echoWasm));
  }

  /**
   * Evidence that convicts: the node's own signed echo answer next to a different answer signed by a fresh key, sent
   * with {@code tandem_submitEvidence}. The node re-runs the request, convicts the other signer and answers
   * {@code convicted}; by then the evidence row, the conviction row and the convicted server's score (0, with the time
   * of conviction) must be on disk. Score changes other than convictions, and the reciprocity ledger's usage counts,
   * are written periodically by design and are not checked here.
   */
  static final class Convictions implements AckedWriter {
    /** One acknowledged conviction. */
    record Ack(String evidenceId, String liar, String service, String requestHash) {}

    private final Path echoWasm;
    private final Queue<Ack> acked = new ConcurrentLinkedQueue<>();
    private volatile ServiceRecord echo;
    private volatile boolean offered;

    Convictions(Path echoWasm) {
      this.echoWasm = echoWasm;
    }

    @Override public String name() { return "convictions"; }
    @Override public String database() { return "node.db"; }
    @Override public int acknowledged() { return acked.size(); }

    /** Registers echo and has the node offer it, once: the offer is kept in node.json across restarts. */
    private void prepare(Target node) throws Exception {
      byte[] wasm = Files.readAllBytes(echoWasm);
      if (echo == null) {
        echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
      }
      node.rpc().submit(echo, wasm);
      String token = Files.readString(node.dataDir().resolve("admin.token")).trim();
      new NodeClient(node.url(), token, node.http(), Duration.ofSeconds(5)).rpc("tandem_offer",
          Json.object().put("service", echo.serviceId()));
      offered = true;
    }

    @Override
    public void writeOne(Target node, RandomGenerator random) throws Exception {
      if (!offered) {
        prepare(node);
      }
      long n = random.nextLong(1L << 40);
      ServiceCall call = ServiceCall.of("echo", Json.parse("[" + n + "]"));
      String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[" + n + "]}";
      HttpResponse<String> res = node.http().send(HttpRequest.newBuilder(URI.create(node.url() + "/services/"
          + echo.serviceId())).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body))
          .build(), HttpResponse.BodyHandlers.ofString());
      JsonNode answer = Json.parse(res.body());
      if (!answer.has("tandem")) {
        throw new IllegalStateException("no signed answer yet: " + res.body()); // echo not ready after a restart
      }
      Attestation honest = Attestation.fromJson(answer.get("tandem"));
      JsonNode wrong = Json.parse("{\"result\":[" + (n + 1) + "]}");
      KeyPair liar = KeyPair.generate();
      Attestation lie = Attestation.sign(liar, echo.serviceId(), call.requestHash(), ServiceCall.responseHash(wrong),
          honest.fuel());
      Map<Attestation, JsonNode> votes = new LinkedHashMap<>();
      votes.put(honest, Json.parse("{\"result\":[" + n + "]}"));
      votes.put(lie, wrong);
      ObjectNode p = Json.object();
      p.set("evidence", Evidence.of(echo.serviceId(), call, votes).toJson());
      JsonNode verdict = node.rpc().rpc("tandem_submitEvidence", p);
      if (!verdict.path("status").asText().equals("convicted")
          || !verdict.path("convicted").toString().contains(liar.publicKey().toString())) {
        throw new IllegalStateException("unexpected verdict " + verdict);
      }
      acked.add(new Ack(verdict.path("id").asText(), liar.publicKey().toString(), echo.serviceId(),
          call.requestHash()));
    }

    @Override
    public void verify(Connection db) throws Exception {
      List<String> missing = new ArrayList<>();
      try (PreparedStatement ev = db.prepareStatement("SELECT verdict FROM evidence WHERE id = ?");
          PreparedStatement cv = db.prepareStatement(
              "SELECT 1 FROM convictions WHERE server = ? AND service = ? AND request_hash = ?");
          PreparedStatement sc = db.prepareStatement("SELECT score, convicted_at FROM scores WHERE server = ?")) {
        for (Ack a : acked) {
          ev.setString(1, a.evidenceId());
          try (ResultSet rs = ev.executeQuery()) {
            if (!rs.next() || !rs.getString(1).equals("convicted")) {
              missing.add("evidence " + a.evidenceId());
            }
          }
          cv.setString(1, a.liar());
          cv.setString(2, a.service());
          cv.setString(3, a.requestHash());
          try (ResultSet rs = cv.executeQuery()) {
            if (!rs.next()) {
              missing.add("conviction of " + a.liar());
            }
          }
          sc.setString(1, a.liar());
          try (ResultSet rs = sc.executeQuery()) {
            if (!rs.next() || rs.getInt(1) != 0 || rs.getLong(2) <= 0) {
              missing.add("score 0 of " + a.liar());
            }
          }
        }
      }
      assertThat(missing).as("acknowledged convictions missing after the kill").isEmpty();
    }
  }
}
