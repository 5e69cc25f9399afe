package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.rpc.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What counts as a vote: every way an answer can be wrong is refused, with the reason and the score event. */
class ExchangeTest {
  static final String SERVICE = Cid.rawSha256(new byte[] {4, 2}).toString();
  static final URI URL = URI.create("http://127.0.0.1:1");
  final KeyPair server = KeyPair.fromSeed(new byte[32]);
  final ServiceCall call = call();

  static ServiceCall call() {
    try {
      return ServiceCall.of("echo", Json.parse("{\"a\":1}"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  ObjectNode honest() throws Exception {
    ObjectNode response = Json.object();
    response.set("result", Json.parse("{\"a\":1}"));
    ObjectNode body = JsonRpc.result(Json.nodes().numberNode(5), response.get("result"));
    body.set("tandem", Attestation.sign(server, SERVICE, call.requestHash(), ServiceCall.responseHash(response), 9)
        .toJson());
    return body;
  }

  Answer check(ObjectNode body, PublicKey expected) {
    return Exchange.check(200, body.toString().getBytes(StandardCharsets.UTF_8), URL, expected, SERVICE, call, 5,
        Duration.ofMillis(3));
  }

  void refused(Consumer<ObjectNode> change, ScoreEvent event, String reason) throws Exception {
    ObjectNode body = honest();
    change.accept(body);
    Answer a = check(body, server.publicKey());
    assertThat(a).isInstanceOfSatisfying(Answer.Failure.class, f -> {
      assertThat(f.event()).isEqualTo(event);
      assertThat(f.reason()).contains(reason);
    });
  }

  @Test
  void aCorrectAnswerIsAVote() throws Exception {
    assertThat(check(honest(), server.publicKey())).isInstanceOf(Answer.Vote.class);
  }

  @Test
  void everyDefectIsRefused() throws Exception {
    refused(b -> b.put("result", "changed"), ScoreEvent.INVALID, "not the hash of the response");
    refused(b -> ((ObjectNode) b.get("tandem")).put("service", Cid.rawSha256(new byte[] {1}).toString()),
        ScoreEvent.INVALID, "for service");
    refused(b -> ((ObjectNode) b.get("tandem")).put("requestHash", "0".repeat(64)), ScoreEvent.INVALID,
        "for request");
    refused(b -> ((ObjectNode) b.get("tandem")).put("sig", "AAAA"), ScoreEvent.INVALID, "does not verify");
    refused(b -> b.put("id", 6), ScoreEvent.INVALID, "JSON-RPC id");
    refused(b -> b.remove("tandem"), ScoreEvent.INVALID, "no attestation");
    refused(b -> b.putObject("error").put("code", 1).put("message", "x"), ScoreEvent.INVALID, "exactly one");
    refused(b -> {
      b.remove("tandem");
      b.remove("result");
      b.putObject("error").put("code", RpcErrors.OVERLOADED).put("message", "busy");
    }, ScoreEvent.ERROR, "busy");
    refused(b -> {
      b.remove("tandem");
      b.remove("result");
      b.putObject("error").put("code", RpcErrors.METHOD_NOT_FOUND).put("message", "nope");
    }, ScoreEvent.INVALID, "without an attestation");
  }

  @Test
  void anAnswerSignedByAnotherServerIsRefused() throws Exception {
    byte[] seed = new byte[32];
    seed[0] = 1;
    PublicKey other = KeyPair.fromSeed(seed).publicKey();
    assertThat(check(honest(), other)).isInstanceOfSatisfying(Answer.Failure.class,
        f -> assertThat(f.reason()).contains("not the one asked"));
    // A home server not in the registry: any key, as long as the signature verifies.
    assertThat(check(honest(), null)).isInstanceOf(Answer.Vote.class);
  }

  @Test
  void garbageIsRefused() {
    Answer a = Exchange.check(200, "<html>".getBytes(StandardCharsets.UTF_8), URL, server.publicKey(), SERVICE, call,
        5, Duration.ZERO);
    assertThat(a).isInstanceOfSatisfying(Answer.Failure.class, f -> assertThat(f.event())
        .isEqualTo(ScoreEvent.INVALID));
    Answer down = Exchange.check(503, "<html>".getBytes(StandardCharsets.UTF_8), URL, server.publicKey(), SERVICE,
        call, 5, Duration.ZERO);
    assertThat(down).isInstanceOfSatisfying(Answer.Failure.class, f -> assertThat(f.event())
        .isEqualTo(ScoreEvent.ERROR));
  }

  /**
   * A server that answers with more than any honest node sends for the service (here: a valid answer padded with
   * megabytes of spaces) is refused as invalid once the client has read the service's {@code maxAnswerBytes}; the
   * client never holds the whole answer.
   */
  @Test
  void anAnswerLongerThanTheServiceAllowsIsRefusedUnread() throws Exception {
    byte[] padded = (" ".repeat(4 << 20) + honest()).getBytes(StandardCharsets.UTF_8);
    HttpServer hostile = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hostile.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, 0); // chunked: no length declared up front
      try (OutputStream out = ex.getResponseBody()) {
        out.write(padded);
      } catch (IOException e) {
        // the client hung up, as it should
      }
    });
    hostile.start();
    ServiceLimits limits = new ServiceLimits(1000, 1, 1024, 1024, 1000);
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      Exchange exchange = new Exchange(Transport.http(http), CallClock.SYSTEM);
      Answer a = exchange.ask(URI.create("http://127.0.0.1:" + hostile.getAddress().getPort()), server.publicKey(),
          SERVICE, call, 5, Duration.ofSeconds(10), limits.maxAnswerBytes()).get(20, TimeUnit.SECONDS);
      assertThat(a).isInstanceOfSatisfying(Answer.Failure.class, f -> {
        assertThat(f.event()).isEqualTo(ScoreEvent.INVALID);
        assertThat(f.reason()).contains("larger than " + limits.maxAnswerBytes() + " bytes");
      });
    } finally {
      hostile.stop(0);
    }
  }
}
