package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on 127.0.0.1 answering JSON-RPC 2.0 at {@code /rpc}, the way a node does, with a swappable
 * handler (usually {@link RegistryRpc#handle}). Errors map as the node maps them: an invalid record or params to
 * -32602, an unknown method to -32601, unparsable JSON to -32700.
 */
final class RpcHttpServer implements AutoCloseable {

  /** Answers one call with its result, or throws. */
  @FunctionalInterface
  interface Handler {
    JsonNode handle(String method, JsonNode params);
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private volatile Handler handler;

  private RpcHttpServer(Handler handler) throws IOException {
    this.handler = handler;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/rpc", this::exchange);
    server.setExecutor(executor);
    server.start();
  }

  static RpcHttpServer start(Handler handler) throws IOException {
    return new RpcHttpServer(handler);
  }

  /** The base URL of this "node": {@code http://127.0.0.1:port}. */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void handler(Handler newHandler) {
    handler = newHandler;
  }

  private void exchange(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("POST")) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      ObjectNode response = Json.object();
      response.put("jsonrpc", "2.0");
      JsonNode request;
      try {
        request = Json.parse(body);
      } catch (JsonFormatException e) {
        send(ex, error(response, -32700, e.getMessage()));
        return;
      }
      response.set("id", request.path("id").deepCopy());
      String method = request.path("method").asText();
      try {
        response.set("result", handler.handle(method, request.get("params")));
      } catch (UnsupportedOperationException e) {
        error(response, -32601, e.getMessage()); // a method this (older) node does not know
      } catch (IllegalArgumentException e) {
        int code = RegistryRpc.handles(method) ? -32602 : -32601;
        error(response, code, e.getMessage());
      } catch (RuntimeException e) {
        error(response, -32603, String.valueOf(e));
      }
      send(ex, response);
    }
  }

  private static ObjectNode error(ObjectNode response, int code, String message) {
    ObjectNode error = response.putObject("error");
    error.put("code", code);
    error.put("message", message);
    return response;
  }

  private static void send(HttpExchange ex, ObjectNode response) throws IOException {
    byte[] bytes = Json.mapper().writeValueAsBytes(response);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
