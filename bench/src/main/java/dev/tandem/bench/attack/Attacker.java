package dev.tandem.bench.attack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.ServiceCall;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * A stranger's side of the attacks of {@code tandem bench attack}, sent from its own address (127.0.0.2) over plain
 * sockets: what it sends and how the node answered each request, counted by kind ({@code ok}, {@code -32008},
 * {@code http 503}, {@code closed}…).
 */
final class Attacker {
  static final String ADDRESS = "127.0.0.2";
  private final URI node;
  private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();

  Attacker(URI node) {
    this.node = node;
  }

  /** The answers so far, most frequent first, as {@code kind×count} items. */
  String summary() {
    long sent = answers.values().stream().mapToLong(LongAdder::sum).sum();
    List<String> kinds = new ArrayList<>();
    answers.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
        .forEach(e -> kinds.add(e.getKey() + "×" + e.getValue().sum()));
    return sent + " sent: " + String.join(", ", kinds);
  }

  /** One JSON-RPC request to {@code path}; its answer is counted. */
  void post(String path, String method, JsonNode params) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.put("id", 1);
    r.put("method", method);
    r.set("params", params);
    answers.computeIfAbsent(send(path, r.toString().getBytes(StandardCharsets.UTF_8)), k -> new LongAdder())
        .increment();
  }

  private String send(String path, byte[] body) {
    try (Socket s = open()) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: " + node.getHost() + "\r\nContent-Type: application/json\r\n"
          + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      String reply = all.toString(StandardCharsets.UTF_8);
      int split = reply.indexOf("\r\n\r\n");
      if (!reply.startsWith("HTTP/1.1 ") || split < 0) {
        return "closed";
      }
      String status = reply.substring(9, 12);
      JsonNode answer = Json.parse(reply.substring(split + 4));
      if (answer.has("error")) {
        return answer.path("error").path("code").asText();
      }
      return status.equals("200") ? "ok" : "http " + status;
    } catch (Exception e) {
      return "closed";
    }
  }

  /** A connection from the attacker's address. */
  Socket open() throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(ADDRESS), 0));
    s.connect(new InetSocketAddress(node.getHost(), node.getPort()), 2000);
    return s;
  }

  /** Evidence two throwaway keys sign for a request of {@code padding} random letters, each with a wrong answer. */
  static JsonNode selfConvicting(String service, int padding) {
    StringBuilder pad = new StringBuilder(padding);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < padding; i++) {
      pad.append((char) ('a' + random.nextInt(26)));
    }
    try {
      ServiceCall call = ServiceCall.of("echo", Json.object().put("pad", pad.toString()));
      Map<Attestation, JsonNode> votes = new LinkedHashMap<>();
      for (int i = 0; i < 2; i++) {
        JsonNode wrong = Json.parse("{\"result\":\"wrong " + i + "\"}");
        votes.put(Attestation.sign(KeyPair.generate(), service, call.requestHash(), ServiceCall.responseHash(wrong),
            1), wrong);
      }
      ObjectNode p = Json.object();
      p.set("evidence", Evidence.of(service, call, votes).toJson());
      return p;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A server record under a fresh key offering {@code offers} made-up services. */
  static JsonNode spamRecord(int offers) {
    List<String> ids = new ArrayList<>();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < offers; i++) {
      ids.add(Cid.rawSha256(Long.toString(random.nextLong()).getBytes(StandardCharsets.US_ASCII)).toString());
    }
    KeyPair key = KeyPair.generate();
    String host = "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(1, 255);
    ObjectNode p = Json.object();
    p.set("record", new ServerRecord(key.publicKey(), URI.create("http://" + host + ":7400"), ids, List.of(),
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key).toJson());
    return p;
  }
}
