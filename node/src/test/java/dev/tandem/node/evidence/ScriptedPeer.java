package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A peer whose {@code /rpc} answers whatever a script says, for the evidence sync to pull from: well-formed pages,
 * garbage, errors. Every request it parsed is kept, in order.
 */
final class ScriptedPeer implements AutoCloseable {
  /** An HTTP answer: status and body, sent as is. */
  record Answer(int status, String body) {
    /** A JSON-RPC result for request {@code id}. */
    static Answer result(JsonNode id, String resultJson) {
      return new Answer(200, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + resultJson + "}");
    }

    /** A JSON-RPC error for request {@code id}. */
    static Answer error(JsonNode id, int code, String message) {
      return new Answer(200, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":" + code
          + ",\"message\":\"" + message + "\"}}");
    }
  }

  /** Answers one JSON-RPC request. */
  @FunctionalInterface
  interface Script {
    Answer answer(JsonNode request);
  }

  private final HttpServer server;
  /** The JSON-RPC requests received, in order. */
  final List<JsonNode> requests = new CopyOnWriteArrayList<>();

  ScriptedPeer(Script script) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/rpc", exchange -> {
      try (exchange) {
        Answer answer;
        try {
          JsonNode request = Json.parse(exchange.getRequestBody().readAllBytes());
          requests.add(request);
          answer = script.answer(request);
        } catch (Exception e) {
          answer = new Answer(400, "bad request");
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
          exchange.getResponseBody().write(body);
        }
      }
    });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The {@code tandem_evidence} requests received, in order. */
  List<JsonNode> evidenceRequests() {
    return requests.stream().filter(r -> EvidenceFeed.METHOD.equals(r.path("method").asText())).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
