package dev.tandem.client.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.Attestation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server that is not a node but signs its answers like one, under a key of its own: it passes each request on to an
 * honest node, lets {@link Policy} decide what to answer, and signs that. The attacks of the trust tests are policies:
 * a Sybil signing the colluders' wrong answer, a reputation builder that turns liar after N answers, a server that
 * spells the right answer in a non-canonical way.
 */
final class SigningFake implements AutoCloseable {
  /** What a fake answers, given the honest canonical response and how many answers it gave before. */
  interface Policy {
    /**
     * @param honest the honest node's canonical {@code {"result":…}} or {@code {"error":…}}
     * @param served answers given before this one
     * @return the canonical response to sign (its hash is signed) and the text to send
     */
    Answer answer(byte[] honest, int served) throws Exception;
  }

  /** What to sign and what to send: usually the same bytes. */
  record Answer(byte[] signed, byte[] sent) {
    static Answer of(byte[] response) {
      return new Answer(response, response);
    }
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final KeyPair key;
  private final URI upstream;
  private final Policy policy;
  private final HttpServer server;
  private final String host;
  private final AtomicInteger served = new AtomicInteger();

  /** Listens on {@code host} (an IP literal) at a free port. */
  SigningFake(String host, KeyPair key, URI upstream, Policy policy) throws IOException {
    this.key = key;
    this.upstream = upstream;
    this.policy = policy;
    this.host = host;
    this.server = HttpServer.create(new InetSocketAddress(host, 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  KeyPair key() {
    return key;
  }

  /** This fake's origin. */
  URI url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + server.getAddress().getPort());
  }

  /** Answers given so far. */
  int served() {
    return served.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath(); // /services/{id}
      if (!path.startsWith("/services/") || !ex.getRequestMethod().equals("POST")) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(upstream + path))
          .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode envelope = Json.parse(res.body());
      Attestation theirs = Attestation.fromJson(envelope.get("tandem"));
      ObjectNode honest = Json.object();
      if (envelope.has("result")) {
        honest.set("result", envelope.get("result"));
      } else {
        honest.set("error", envelope.get("error"));
      }
      Answer a = policy.answer(Jcs.canonicalize(honest), served.getAndIncrement());
      Attestation mine = Attestation.sign(key, theirs.service(), theirs.requestHash(), Hashes.sha256Hex(a.signed()),
          theirs.fuel());
      String sent = new String(a.sent(), StandardCharsets.UTF_8);
      String out = "{\"jsonrpc\":\"2.0\",\"id\":" + envelope.get("id") + "," + sent.substring(1, sent.length() - 1)
          + ",\"tandem\":" + mine.toJson() + "}";
      byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, bytes.length);
      ex.getResponseBody().write(bytes);
    } catch (Exception e) {
      ex.sendResponseHeaders(500, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
