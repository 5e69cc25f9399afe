package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.ServiceCall;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A bootstrap node on loopback (a real HTTP server) serving {@code tandem_records}, {@code tandem_evidence} and, when
 * {@link #knowsLookup}, {@code tandem_lookup} (else it answers it as an older release, -32601) from lists a test sets, each request handled on a thread of its own. {@link #stall} makes every later request wait
 * until {@link #release}, as a node that stops answering would; the node counts what it was asked and how many of its
 * requests were in flight at once.
 */
final class FakeBootstrap implements AutoCloseable {
  static final JsonNode LIE = Json.object().put("hello", "lie");

  volatile List<JsonNode> records = List.of();
  volatile List<JsonNode> evidence = List.of();
  volatile boolean knowsLookup;
  /** Answers a lookup that names {@code prefer} -32602, as the release before that param did. */
  volatile boolean refusesPrefer;
  /** The params of every lookup asked, in order. */
  final List<JsonNode> lookupParams = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicInteger lookupsAsked = new AtomicInteger();
  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicInteger recordsAsked = new AtomicInteger();
  private final AtomicInteger evidenceAsked = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();
  private volatile CountDownLatch stalled;

  FakeBootstrap() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(threads);
    server.createContext("/rpc", this::rpc);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** From now on, every request waits until {@link #release}. */
  void stall() {
    stalled = new CountDownLatch(1);
  }

  /** Lets the stalled requests go on, and answers the later ones at once. */
  void release() {
    CountDownLatch s = stalled;
    stalled = null;
    if (s != null) {
      s.countDown();
    }
  }

  int recordsAsked() {
    return recordsAsked.get();
  }

  int evidenceAsked() {
    return evidenceAsked.get();
  }

  int lookupsAsked() {
    return lookupsAsked.get();
  }

  /** The most requests this node was answering at once. */
  int mostInFlight() {
    return mostInFlight.get();
  }

  private void rpc(HttpExchange ex) throws IOException {
    int now = inFlight.incrementAndGet();
    mostInFlight.accumulateAndGet(now, Math::max);
    boolean answered = false;
    try (ex) {
      JsonNode req = Json.parse(ex.getRequestBody().readAllBytes());
      String method = req.path("method").asText();
      if (method.equals(Methods.RECORDS)) {
        recordsAsked.incrementAndGet();
      } else if (method.equals(Methods.EVIDENCE)) {
        evidenceAsked.incrementAndGet();
      } else if (method.equals(Methods.LOOKUP) && knowsLookup) {
        lookupsAsked.incrementAndGet();
        lookupParams.add(req.path("params"));
      }
      CountDownLatch s = stalled;
      if (s != null && !s.await(60, TimeUnit.SECONDS)) {
        return;
      }
      int cursor = (int) req.path("params").path("cursor").asLong(0);
      int limit = req.path("params").path("limit").asInt(1000);
      ObjectNode page = method.equals(Methods.RECORDS) ? page(records, "records", cursor, limit)
          : method.equals(Methods.LOOKUP) ? lookup(req.path("params").path("service").asText())
          : method.equals(Methods.STATUS) ? Json.object() : page(evidence, "evidence", cursor, limit);
      JsonNode answer = method.equals(Methods.LOOKUP) && !knowsLookup
          ? JsonRpc.error(req.get("id"), -32601, "method not found: " + method)
          : method.equals(Methods.LOOKUP) && refusesPrefer && req.path("params").has("prefer")
          ? JsonRpc.error(req.get("id"), -32602, "params.prefer is not a parameter of tandem_lookup")
          : JsonRpc.result(req.get("id"), page);
      byte[] body = answer.toString().getBytes(StandardCharsets.UTF_8);
      // No longer in flight once the answer may reach the client, which can ask again before this thread goes on.
      answered = true;
      inFlight.decrementAndGet();
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
    } catch (JsonFormatException e) {
      throw new IOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!answered) {
        inFlight.decrementAndGet();
      }
    }
  }

  /** The services with id or name {@code ref}, and the servers offering the first. */
  private ObjectNode lookup(String ref) {
    ObjectNode result = Json.object();
    ArrayNode services = result.putArray("services");
    ArrayNode servers = result.putArray("servers");
    String id = null;
    for (JsonNode r : records) {
      if (r.path("type").asText().equals("service")) {
        String rid = ((ServiceRecord) dev.tandem.core.record.SignedRecord.fromJson(r)).serviceId();
        if (rid.equals(ref) || r.path("name").asText().equals(ref)) {
          services.add(r);
          id = id == null ? rid : id;
        }
      }
    }
    for (JsonNode r : records) {
      if (id != null && r.path("type").asText().equals("server") && r.path("offers").toString().contains(id)) {
        servers.add(r);
      }
    }
    result.put("more", false);
    return result;
  }

  private static ObjectNode page(List<JsonNode> all, String field, int cursor, int limit) {
    ObjectNode result = Json.object();
    ArrayNode items = result.putArray(field);
    int end = Math.min(all.size(), cursor + limit);
    for (int i = Math.min(cursor, all.size()); i < end; i++) {
      items.add(all.get(i));
    }
    result.put("next", Math.max(end, cursor));
    result.put("more", end < all.size());
    result.put("log", "fake");
    return result;
  }

  /**
   * A conflict over {@code echo(params)} of {@code service}: {@code honest} signed the echo, {@code liar} a lie. The
   * echo module's re-run convicts the liar only.
   */
  static JsonNode conflict(ServiceRecord service, JsonNode params, KeyPair honest, KeyPair liar)
      throws JsonFormatException {
    String id = service.serviceId();
    ServiceCall call = ServiceCall.of("echo", params);
    ObjectNode right = Json.object();
    right.set("result", params);
    ObjectNode wrong = Json.object();
    wrong.set("result", LIE);
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    signed.put(Attestation.sign(honest, id, call.requestHash(), ServiceCall.responseHash(right), 1), right);
    signed.put(Attestation.sign(liar, id, call.requestHash(), ServiceCall.responseHash(wrong), 1), wrong);
    return Evidence.of(id, call, signed).toJson();
  }

  /** Waits up to {@code timeout} for {@code condition}. */
  static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Records as the node serves them. */
  static List<JsonNode> json(List<? extends dev.tandem.core.record.SignedRecord> records) {
    List<JsonNode> out = new ArrayList<>();
    records.forEach(r -> out.add(r.toJson()));
    return out;
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }
}
