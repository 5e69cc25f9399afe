package dev.tandem.node.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.node.Node;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/** HTTP as an attacker sends it: JSON-RPC posts, and raw request lines that no client library would normalize. */
final class Wire {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private Wire() {}

  /** An HTTP answer: status and body bytes. */
  record Reply(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.ISO_8859_1); // every byte survives, so markers are found in binaries
    }

    JsonNode json() throws Exception {
      return Json.parse(body);
    }
  }

  static String request(String method, JsonNode params) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.put("id", 1);
    r.put("method", method);
    r.set("params", params);
    return r.toString();
  }

  /** {@code POST /rpc} with an optional bearer token; answers the parsed JSON-RPC response. */
  static JsonNode rpc(Node node, String method, JsonNode params, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url() + "/rpc")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(request(method, params), StandardCharsets.UTF_8));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return Json.parse(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()).body());
  }

  static String adminToken(Node node) throws IOException {
    return Files.readString(node.config().dataDir().resolve("admin.token")).trim();
  }

  /**
   * Sends {@code method target HTTP/1.1} exactly as given over a plain socket (no normalization or re-encoding on
   * our side) and reads the whole answer; the connection is closed after one request.
   */
  static Reply raw(URI base, String method, String target) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write((method + " " + target + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      byte[] bytes = all.toByteArray();
      String head = new String(bytes, StandardCharsets.ISO_8859_1);
      int end = head.indexOf("\r\n\r\n");
      if (!head.startsWith("HTTP/1.1 ") || end < 0) {
        throw new IOException("not an HTTP/1.1 answer to " + target + ": " + head);
      }
      int status = Integer.parseInt(head.substring(9, 12));
      byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
      return new Reply(status, body);
    }
  }
}
