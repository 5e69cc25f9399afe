package dev.tandem.client.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * Misbehaving servers that are not nodes, each on its own local HTTP server (server URLs are origins): what a broken or
 * hostile server might send. They are registered with signed ServerRecords like any server, so the client finds
 * them as candidates and must refuse every one of their answers as a vote.
 */
final class FakeServers implements AutoCloseable {
  /** How a fake answers. */
  enum Mode {
    /** Not JSON at all. */
    GARBAGE,
    /** An honest node's answer with the result changed but its attestation kept: the response hash is wrong. */
    FORGED,
    /** An honest node's answer passed on unchanged: the attestation names another server. */
    IMPOSTOR,
    /** An honest node's answer, after a long delay: later than any request timeout of the tests. */
    STALL
  }

  static final Duration STALL_DELAY = Duration.ofMillis(2500);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final java.util.Map<Mode, HttpServer> servers = new java.util.EnumMap<>(Mode.class);
  private final URI upstream;

  FakeServers(URI upstream) throws IOException {
    this.upstream = upstream;
    for (Mode m : Mode.values()) {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/", ex -> handle(m, ex));
      server.start();
      servers.put(m, server);
    }
  }

  /** The base URL of the fake in mode {@code m}. */
  URI url(Mode m) {
    return URI.create("http://127.0.0.1:" + servers.get(m).getAddress().getPort());
  }

  /** A URL where nothing listens: a crashed server. */
  static URI deadUrl() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  private void handle(Mode mode, HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath();
      String rest = path; // /services/{id}
      byte[] answer = switch (mode) {
        case GARBAGE -> "<html>502 oops</html>".getBytes(StandardCharsets.UTF_8);
        case IMPOSTOR -> forward(rest, body);
        case STALL -> {
          sleep(STALL_DELAY);
          yield forward(rest, body);
        }
        case FORGED -> {
          var json = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(forward(rest, body));
          if (json.has("result")) {
            json.put("result", "forged");
          }
          yield json.toString().getBytes(StandardCharsets.UTF_8);
        }
      };
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, answer.length);
      ex.getResponseBody().write(answer);
    } catch (Exception e) {
      ex.sendResponseHeaders(500, -1);
    }
  }

  private byte[] forward(String rest, byte[] body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(upstream + rest)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray()).body();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    servers.values().forEach(server -> server.stop(0));
  }
}
