package dev.tandem.node.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.rpc.AnswerTooLargeException;
import dev.tandem.core.rpc.Transport;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The network view of the dashboard ({@code GET /network.json}): this node's snapshot ({@link DashboardData}) joined
 * with what every other server in the registry publishes at its own {@code /dashboard.json}: the calls each served,
 * the conflicts and convictions each learned of, and each one's scores of the others.
 *
 * <p>Scores, blacklist and the "convicted" mark on a server stay this node's own judgement; what the others publish
 * is shown as their report, attributed to them (a node answering with another key than its record's is left out).
 * The others are asked in the background at most once a second, so a request never waits on a slow peer except for
 * the very first one.
 */
public final class NetworkView {
  /** How many of the merged calls, conflicts and convictions the document carries. */
  static final int RECENT = 40;
  /** At most this many other nodes are asked (a registry can list many more; the view stays cheap). */
  static final int MAX_NODES = 64;
  /** The longest snapshot read from another node. */
  public static final int MAX_BYTES = 2 << 20;
  private static final Duration TIMEOUT = Duration.ofMillis(3000);
  /** A node's last answer stands in for a missed one this long (a busy node misses a round now and then). */
  private static final long STALE_MS = 30_000;
  private static final long FRESH_MS = 1000;

  private final Supplier<JsonNode> own;
  private final Transport transport;
  private final Predicate<URI> contactable;
  private byte[] last;
  private long lastAt;
  private CompletableFuture<byte[]> inFlight;
  /** Each node's last good answer, and when it came. */
  private final Map<String, Heard> heard = new java.util.concurrent.ConcurrentHashMap<>();

  private record Heard(JsonNode doc, long atMillis) {}

  /**
   * The view of the node whose own snapshot {@code own} makes, asking the others over {@code transport} (bounded:
   * {@value #MAX_BYTES} bytes and {@code TIMEOUT} per answer, body included) and only those {@code contactable} (the
   * node's peer policy: a record's URL may point anywhere, the node's own network included).
   */
  public NetworkView(Supplier<JsonNode> own, Transport transport, Predicate<URI> contactable) {
    this.own = own;
    this.transport = transport;
    this.contactable = contactable;
  }

  /** The latest document; refreshed in the background when older than a second. */
  public byte[] bytes() {
    CompletableFuture<byte[]> pending;
    synchronized (this) {
      if (last != null && System.currentTimeMillis() - lastAt < FRESH_MS) {
        return last;
      }
      if (inFlight == null) {
        inFlight = gather().whenComplete((bytes, error) -> {
          synchronized (this) {
            if (bytes != null) {
              last = bytes;
              lastAt = System.currentTimeMillis();
            }
            inFlight = null;
          }
        });
      }
      if (last != null) {
        return last;
      }
      pending = inFlight;
    }
    try {
      return pending.get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return Json.object().put("error", "network view not ready: " + e).toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  private CompletableFuture<byte[]> gather() {
    ObjectNode self = (ObjectNode) own.get();
    Map<String, CompletableFuture<JsonNode>> asked = new LinkedHashMap<>();
    for (JsonNode server : self.path("servers")) {
      String key = server.path("key").asText();
      if (server.path("self").asBoolean()) {
        asked.put(key, CompletableFuture.completedFuture(self));
      } else if (asked.size() < MAX_NODES) {
        asked.put(key, fetch(URI.create(server.path("url").asText()), key).thenApply(d -> remembered(key, d)));
      }
    }
    return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new))
        .thenApply(done -> merge(self, asked).toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A node's own snapshot, or an object saying why there is none; never fails. */
  private CompletableFuture<JsonNode> fetch(URI url, String key) {
    if (!contactable.test(url)) {
      return CompletableFuture.completedFuture(unreachable("not asked: the peer policy does not allow its address"));
    }
    return transport.send(Transport.Request.get(url.resolve("/dashboard.json"), TIMEOUT).limit(MAX_BYTES))
        .thenApply(res -> {
          if (res.status() != 200) {
            return unreachable("HTTP " + res.status());
          }
          try {
            JsonNode d = Json.parse(res.body());
            if (!d.path("self").path("key").asText().equals(key)) {
              return unreachable("answers with another key than its record's");
            }
            return d;
          } catch (Exception e) {
            return unreachable("not a dashboard document");
          }
        }).exceptionally(e -> unreachable(switch (rootCause(e)) {
          case AnswerTooLargeException large -> "answer over " + MAX_BYTES + " bytes";
          case HttpTimeoutException t -> "no answer within " + TIMEOUT.toMillis() + " ms";
          case Throwable t -> "unreachable: " + t.getClass().getSimpleName();
        }));
  }

  /** {@code d}, remembered when it is an answer; else the last answer when recent, marked stale. */
  private JsonNode remembered(String key, JsonNode d) {
    long now = System.currentTimeMillis();
    if (!d.has("unreachable")) {
      heard.put(key, new Heard(d, now));
      return d;
    }
    Heard last = heard.get(key);
    if (last == null || now - last.atMillis() > STALE_MS) {
      return d;
    }
    return ((ObjectNode) last.doc().deepCopy()).put("stale", (now - last.atMillis()) / 1000 + " s ago");
  }

  private static JsonNode unreachable(String why) {
    return Json.object().put("unreachable", why);
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** This node's snapshot with every node's calls, conflicts and convictions joined in, each attributed. */
  static ObjectNode merge(ObjectNode self, Map<String, CompletableFuture<JsonNode>> asked) {
    ObjectNode out = self.deepCopy();
    out.put("view", "network");
    ArrayNode nodes = out.putArray("nodes");
    List<ObjectNode> calls = new ArrayList<>();
    Map<String, ObjectNode> conflicts = new LinkedHashMap<>();
    Map<String, ObjectNode> convictions = new LinkedHashMap<>();
    ObjectNode callsByServer = Json.object();
    long total = 0;
    for (JsonNode server : self.path("servers")) {
      String key = server.path("key").asText();
      CompletableFuture<JsonNode> answer = asked.get(key);
      JsonNode d = answer == null ? unreachable("not asked (more than " + MAX_NODES + " nodes)") : answer.join();
      ObjectNode n = nodes.addObject();
      n.put("key", key);
      n.put("label", server.path("label").asText());
      n.put("url", server.path("url").asText());
      n.put("self", server.path("self").asBoolean());
      if (d.has("unreachable")) {
        n.put("unreachable", d.path("unreachable").asText());
        continue;
      }
      if (d.has("stale")) {
        n.put("stale", d.path("stale").asText());
      }
      if (d.path("self").has("fault")) {
        n.put("fault", d.path("self").path("fault").asText());
      }
      long served = d.path("totalCalls").asLong();
      total += served;
      n.put("totalCalls", served);
      n.set("recentCallsByService", d.path("recentCallsByService"));
      callsByServer.set(key, d.path("recentCallsByService"));
      n.put("convictions", d.path("convictions").size());
      ObjectNode scores = n.putObject("scores");
      for (JsonNode s : d.path("servers")) {
        if (!s.path("self").asBoolean()) {
          scores.set(s.path("key").asText(), s.path("convicted").asBoolean() ? Json.nodes().textNode("convicted")
              : s.path("score"));
        }
      }
      for (JsonNode c : d.path("calls")) {
        calls.add(((ObjectNode) c.deepCopy()).put("server", key));
      }
      for (JsonNode c : d.path("conflicts")) {
        String id = c.path("service").asText() + "/" + c.path("requestHash").asText();
        ObjectNode kept = conflicts.computeIfAbsent(id, k -> attributed(c, "seenBy"));
        union(kept.path("servers").isArray() ? (ArrayNode) kept.get("servers") : kept.putArray("servers"),
            c.path("servers"));
        ((ArrayNode) kept.get("seenBy")).add(key);
        kept.put("at", Math.min(kept.path("at").asLong(), c.path("at").asLong()));
      }
      for (JsonNode c : d.path("convictions")) {
        String id = c.path("server").asText() + "/" + c.path("service").asText() + "/" + c.path("requestHash").asText();
        ObjectNode kept = convictions.computeIfAbsent(id, k -> attributed(c, "by"));
        ((ArrayNode) kept.get("by")).add(key);
        kept.put("at", Math.min(kept.path("at").asLong(), c.path("at").asLong()));
      }
    }
    out.put("totalCalls", total);
    out.set("recentCallsByServer", callsByServer);
    out.set("calls", newest(calls));
    out.set("conflicts", newest(conflicts.values()));
    out.set("convictions", newest(convictions.values()));
    return out;
  }

  /** A copy of {@code item} with an empty list {@code field} of the nodes that reported it. */
  private static ObjectNode attributed(JsonNode item, String field) {
    ObjectNode copy = item.deepCopy();
    copy.putArray(field);
    return copy;
  }

  private static void union(ArrayNode into, JsonNode more) {
    for (JsonNode m : more) {
      boolean known = false;
      for (JsonNode i : into) {
        known |= i.equals(m);
      }
      if (!known) {
        into.add(m);
      }
    }
  }

  private static ArrayNode newest(java.util.Collection<ObjectNode> items) {
    ArrayNode out = Json.nodes().arrayNode();
    items.stream().sorted(Comparator.comparingLong((ObjectNode o) -> o.path("at").asLong()).reversed())
        .limit(RECENT).forEach(out::add);
    return out;
  }
}
