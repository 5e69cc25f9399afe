package dev.tandem.node.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.SignedRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gossip peer that lies: whatever cursor it is asked for, its {@code tandem_records} answers with the same stale
 * records, so the node under test pulls them again every round. Everything else it is sent is recorded and accepted.
 */
final class HostilePeer implements AutoCloseable {
  private final HttpServer server;
  private final List<SignedRecord> served = new CopyOnWriteArrayList<>();
  private final AtomicInteger pulls = new AtomicInteger();
  /** Methods other than tandem_records that reached this peer (pushes, forwarded evidence), in order. */
  final List<String> received = new CopyOnWriteArrayList<>();

  HostilePeer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/rpc", exchange -> {
      JsonNode request;
      try (exchange) {
        try {
          request = Json.parse(exchange.getRequestBody().readAllBytes());
        } catch (Exception e) {
          exchange.sendResponseHeaders(400, -1);
          return;
        }
        String method = request.path("method").asText();
        ObjectNode answer = Json.object();
        answer.put("jsonrpc", "2.0");
        answer.set("id", request.get("id"));
        if ("tandem_records".equals(method)) {
          pulls.incrementAndGet();
          ObjectNode result = answer.putObject("result");
          ArrayNode records = result.putArray("records");
          served.forEach(r -> records.add(r.toJson()));
          result.put("next", served.size());
          result.put("more", false);
        } else {
          received.add(method);
          answer.putObject("result").put("status", "stored");
        }
        byte[] body = answer.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** From now on every pull is answered with these records. */
  void serve(List<SignedRecord> records) {
    served.clear();
    served.addAll(records);
  }

  /** How many times a node pulled records from this peer. */
  int pulls() {
    return pulls.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
