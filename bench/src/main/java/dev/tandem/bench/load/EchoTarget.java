package dev.tandem.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.RpcErrors;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Calls {@code echo} directly on the nodes, round robin, and checks each answer: the echoed params, and an attestation
 * by the node that was asked (its signature is verified on every {@code verifyEvery}-th answer, to keep the client's
 * CPU for sending). An answer is {@code ok}, {@code rpc CODE} for a JSON-RPC error, {@code http STATUS} for any other
 * HTTP status, or {@code bad answer} when it is not what echo must return.
 */
public final class EchoTarget implements OpenLoop.Call {
  /** The kinds that mean the node shed load as designed: non-deterministic, not attested (docs/protocol.md). */
  public static final Set<String> OVERLOAD = Set.of("rpc " + RpcErrors.OVERLOADED);

  private final HttpClient http;
  private final List<URI> endpoints;
  private final List<PublicKey> keys;
  private final int verifyEvery;

  /**
   * @param nodes       base URLs of the nodes, in the order of {@code keys}
   * @param keys        their public keys
   * @param serviceId   the echo service's id
   * @param verifyEvery verify the signature of one answer in this many (1 = all)
   */
  public EchoTarget(HttpClient http, List<URI> nodes, List<PublicKey> keys, String serviceId, int verifyEvery) {
    this.http = http;
    this.endpoints = nodes.stream().map(u -> URI.create(u + "/services/" + serviceId)).toList();
    this.keys = List.copyOf(keys);
    this.verifyEvery = Math.max(1, verifyEvery);
  }

  @Override
  public OpenLoop.Outcome call(long index, Duration timeout) throws Exception {
    int node = (int) (index % endpoints.size());
    String params = "[" + index + "]";
    String body = "{\"jsonrpc\":\"2.0\",\"id\":" + index + ",\"method\":\"echo\",\"params\":" + params + "}";
    HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(endpoints.get(node)).timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (res.statusCode() != 200) {
      return new OpenLoop.Outcome("http " + res.statusCode(), true);
    }
    JsonNode answer;
    try {
      answer = Json.parse(res.body());
    } catch (JsonFormatException e) {
      return new OpenLoop.Outcome("bad answer", true);
    }
    if (answer.has("error")) {
      return new OpenLoop.Outcome("rpc " + answer.path("error").path("code").asInt(), true);
    }
    if (!answer.path("result").toString().equals(params) || !answer.has("tandem")) {
      return new OpenLoop.Outcome("bad answer", true);
    }
    if (index % verifyEvery == 0) {
      Attestation att = Attestation.fromJson(answer.get("tandem"));
      if (!att.server().equals(keys.get(node)) || !att.verifies()) {
        return new OpenLoop.Outcome("bad attestation", true);
      }
    }
    return OpenLoop.Outcome.OK;
  }
}
