package dev.tandem.bench.attack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
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
import java.util.Base64;
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

  /**
   * A service of a fresh key whose module is cheap to send and dear to load: {@code functions} empty functions (about
   * 3 bytes each, and 64 bytes of metering each once loaded), made distinct by a random custom section so that no
   * node has it loaded already. Returns {@code [submitRecord params, service id]}.
   */
  static Object[] heavyService(int functions) {
    var out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    section(out, 1, new byte[] {3, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 2, 0x7F, 0x7F, 1, 0x7E, 0x60, 0, 0});
    var funcs = new ByteArrayOutputStream();
    leb(funcs, functions + 2);
    funcs.writeBytes(new byte[] {0, 1});
    funcs.writeBytes(new byte[functions]); // each of type 0 would do; type 2, () -> (), follows
    byte[] f = funcs.toByteArray();
    for (int i = f.length - functions; i < f.length; i++) {
      f[i] = 2;
    }
    section(out, 3, f);
    section(out, 5, new byte[] {1, 0, 1});
    var exports = new ByteArrayOutputStream();
    exports.write(3);
    for (Object[] e : new Object[][] {{"memory", 2, 0}, {"tandem_alloc", 0, 0}, {"tandem_call", 0, 1}}) {
      byte[] name = ((String) e[0]).getBytes(StandardCharsets.UTF_8);
      exports.write(name.length);
      exports.writeBytes(name);
      exports.write((int) e[1]);
      exports.write((int) e[2]);
    }
    section(out, 7, exports.toByteArray());
    var code = new ByteArrayOutputStream();
    leb(code, functions + 2);
    code.writeBytes(new byte[] {5, 0, 0x41, (byte) 0x80, 0x08, 0x0B, 4, 0, 0x42, 0, 0x0B});
    for (int i = 0; i < functions; i++) {
      code.writeBytes(new byte[] {2, 0, 0x0B});
    }
    section(out, 10, code.toByteArray());
    byte[] salt = new byte[16];
    ThreadLocalRandom.current().nextBytes(salt);
    var custom = new ByteArrayOutputStream();
    custom.writeBytes(new byte[] {4, 's', 'a', 'l', 't'});
    custom.writeBytes(salt);
    section(out, 0, custom.toByteArray());
    byte[] wasm = out.toByteArray();
    ServiceRecord record = ServiceRecord.builder().name("heavy").module(Cid.rawSha256(wasm))
        .verifier(ServiceRecord.BUILTIN_EQUAL).sign(KeyPair.generate());
    ObjectNode p = Json.object();
    p.set("record", record.toJson());
    p.put("module", Base64.getEncoder().encodeToString(wasm));
    return new Object[] {p, record.serviceId()};
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] payload) {
    out.write(id);
    leb(out, payload.length);
    out.writeBytes(payload);
  }

  private static void leb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }
}
