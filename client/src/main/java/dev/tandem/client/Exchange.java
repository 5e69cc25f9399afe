package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.rpc.AnswerTooLargeException;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One request to one server's {@code POST /services/{id}} (over the client's {@link Transport}), and the strict
 * check of its answer. Nothing the server
 * says is taken on trust: the attestation must name the server that was asked, the service, the request hash the
 * client computed itself and the hash of the response the client recomputes from the body, and the signature must
 * verify. Anything else is a {@link Answer.Failure}, never a vote.
 */
final class Exchange {
  private final Transport transport;
  private final CallClock clock;

  Exchange(Transport transport, CallClock clock) {
    this.transport = transport;
    this.clock = clock;
  }

  /**
   * Sends {@code call} and checks the answer. Never completes exceptionally.
   *
   * @param expected the key the answer must be signed by, or null to accept any key (a home server that is not in
   *     the registry: its URL is what the service owner trusts)
   * @param maxAnswerBytes the longest answer read ({@code ServiceLimits.maxAnswerBytes}); a longer one is a failure
   */
  CompletableFuture<Answer> ask(URI base, PublicKey expected, String serviceId, ServiceCall call, long id,
      Duration timeout, long maxAnswerBytes) {
    ObjectNode body = JsonRpc.request(id, call.method(), call.params() == null || call.params().isNull() ? null
        : call.params());
    URI url = URI.create(NodeUrls.base(base) + "/services/" + serviceId);
    long start = clock.nanoTime();
    CompletableFuture<Transport.Reply> sent;
    try {
      sent = transport.send(Transport.Request.post(url, body.toString().getBytes(StandardCharsets.UTF_8), timeout)
          .limit(maxAnswerBytes));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new Answer.Failure(expected, base, ScoreEvent.UNREACHABLE,
          "cannot send: " + e.getMessage(), Duration.ZERO));
    }
    return sent.handle((res, error) -> {
      Duration latency = Duration.ofNanos(clock.nanoTime() - start);
      if (error != null) {
        return unreachable(expected, base, error, latency);
      }
      return check(res.status(), res.body(), base, expected, serviceId, call, id, latency);
    });
  }

  private static Answer unreachable(PublicKey server, URI url, Throwable error, Duration latency) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof AnswerTooLargeException large) { // more than an honest node ever sends for this service
      return new Answer.Failure(server, url, ScoreEvent.INVALID, large.getMessage(), latency);
    }
    String why = switch (e) {
      case HttpTimeoutException t -> "no answer within " + latency.toMillis() + " ms";
      case ConnectException c -> "connection refused";
      default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    };
    return new Answer.Failure(server, url, ScoreEvent.UNREACHABLE, why, latency);
  }

  /** Checks one answer body; package-visible for tests. */
  static Answer check(int status, byte[] bytes, URI url, PublicKey expected, String serviceId, ServiceCall call,
      long id, Duration latency) {
    JsonNode json;
    try {
      json = Json.parse(bytes);
    } catch (JsonFormatException e) {
      return status != 200 ? fail(expected, url, ScoreEvent.ERROR, "HTTP " + status, latency)
          : fail(expected, url, ScoreEvent.INVALID, "answer is not JSON: " + e.getMessage(), latency);
    }
    if (!json.isObject()) {
      return fail(expected, url, ScoreEvent.INVALID, "answer is not a JSON-RPC response object", latency);
    }
    JsonNode tandem = json.get("tandem");
    JsonNode error = json.get("error");
    if (tandem == null) {
      if (error != null && error.isObject() && error.path("code").isIntegralNumber()) {
        int code = error.path("code").asInt();
        if (!RpcErrors.isDeterministic(code)) {
          return fail(expected, url, ScoreEvent.ERROR, "error " + code + ": " + error.path("message").asText(""),
              latency);
        }
        return fail(expected, url, ScoreEvent.INVALID, "deterministic error " + code + " without an attestation",
            latency);
      }
      return fail(expected, url, status != 200 ? ScoreEvent.ERROR : ScoreEvent.INVALID,
          (status != 200 ? "HTTP " + status + ", " : "") + "answer has no attestation", latency);
    }
    if (!json.path("id").isIntegralNumber() || json.path("id").asLong() != id) {
      return fail(expected, url, ScoreEvent.INVALID, "answer is for JSON-RPC id " + json.get("id") + ", not " + id,
          latency);
    }
    JsonNode result = json.get("result");
    if ((result == null) == (error == null)) {
      return fail(expected, url, ScoreEvent.INVALID, "answer must have exactly one of result and error", latency);
    }
    if (error != null && (!error.isObject() || !error.path("code").isIntegralNumber())) {
      return fail(expected, url, ScoreEvent.INVALID, "error must be an object with an integer code", latency);
    }
    if (error != null && !RpcErrors.isDeterministic(error.path("code").asInt())) {
      return fail(expected, url, ScoreEvent.INVALID, "attested a non-deterministic error "
          + error.path("code").asInt(), latency);
    }
    Attestation att;
    try {
      att = Attestation.fromJson(tandem);
    } catch (IllegalArgumentException e) {
      return fail(expected, url, ScoreEvent.INVALID, e.getMessage(), latency);
    }
    PublicKey signer = expected == null ? att.server() : expected;
    if (expected != null && !att.server().equals(expected)) {
      return fail(signer, url, ScoreEvent.INVALID, "attestation names server " + att.server()
          + ", not the one asked", latency);
    }
    if (!att.service().equals(serviceId)) {
      return fail(signer, url, ScoreEvent.INVALID, "attestation is for service " + att.service(), latency);
    }
    if (!att.requestHash().equals(call.requestHash())) {
      return fail(signer, url, ScoreEvent.INVALID, "attestation is for request " + att.requestHash()
          + ", not " + call.requestHash(), latency);
    }
    ObjectNode response = Json.object();
    if (result != null) {
      response.set("result", result);
    } else {
      response.set("error", error);
    }
    byte[] canonical;
    try {
      canonical = Jcs.canonicalize(response);
    } catch (JsonFormatException e) {
      return fail(signer, url, ScoreEvent.INVALID, "response cannot be canonicalized: " + e.getMessage(), latency);
    }
    String responseHash = Hashes.sha256Hex(canonical);
    if (!att.responseHash().equals(responseHash)) {
      return fail(signer, url, ScoreEvent.INVALID, "attested response hash " + att.responseHash()
          + " is not the hash of the response sent (" + responseHash + ")", latency);
    }
    if (!att.verifies()) {
      return fail(signer, url, ScoreEvent.INVALID, "attestation signature does not verify", latency);
    }
    return new Answer.Vote(signer, url, att, response, canonical, latency);
  }

  private static Answer fail(PublicKey server, URI url, ScoreEvent event, String reason, Duration latency) {
    return new Answer.Failure(server, url, event, reason, latency);
  }
}
