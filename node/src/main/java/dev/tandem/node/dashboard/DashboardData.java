package dev.tandem.node.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.score.Scores;
import dev.tandem.node.fault.Fault;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.observe.Activity;
import dev.tandem.node.reciprocity.Reciprocity;
import dev.tandem.registry.Registry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What the dashboard draws, as one JSON document ({@code GET /dashboard.json}): the service registry, the server
 * registry with each server's score as this node sees it, what this node runs, its recent calls, and the conflicts
 * and convictions it learned of. Built fresh on every request from the node's own state; it holds nothing itself.
 *
 * <p>Servers are lettered A, B, C… in order of their URL, so a local network whose nodes listen on increasing ports
 * (as {@code tandem demo} starts them) gets the letters of the picture in the design notes.
 */
public final class DashboardData {
  /** How many recent calls, conflicts and convictions the document carries. */
  static final int RECENT = 25;
  /** Services and servers listed at most. */
  static final int MAX_LISTED = 500;

  /**
   * The parts of a node the dashboard reads.
   *
   * @param self the node's key
   * @param url where it listens (known once it does)
   * @param version its software version
   * @param fault the fault it was started with, {@link Fault#NONE} for an honest node
   */
  public record Parts(PublicKey self, Supplier<URI> url, String version, Fault fault, Registry registry,
      Hosting hosting, Activity activity, Scores scores, Reciprocity reciprocity) {}

  private DashboardData() {}

  /** The current snapshot of a node made of {@code node}. */
  public static JsonNode snapshot(Parts node) {
    ObjectNode root = Json.object();
    root.put("generatedAt", System.currentTimeMillis());
    ObjectNode self = root.putObject("self");
    self.put("key", node.self().toString());
    self.put("short", shortKey(node.self()));
    self.put("url", node.url().get().toString());
    self.put("version", node.version());
    if (node.fault() != Fault.NONE) {
      self.put("fault", node.fault().name().toLowerCase(Locale.ROOT));
    }

    // The first MAX_LISTED of each list: anyone can register records, and the page draws a picture, not a registry.
    ArrayNode services = root.putArray("services");
    List<ServiceRecord> allServices = node.registry().services();
    root.put("servicesTotal", allServices.size());
    for (ServiceRecord s : allServices.subList(0, Math.min(MAX_LISTED, allServices.size()))) {
      ObjectNode o = services.addObject();
      o.put("id", s.serviceId());
      o.put("name", s.name());
      o.put("version", s.version());
      o.put("abi", s.abi());
      o.put("runtime", s.runtime());
      o.put("module", s.code());
      o.put("moduleShort", s.isOci() ? s.oci().digest().substring(0, 19) : shortCid(s.code()));
      o.put("verifier", s.verifier());
      o.put("home", s.home() == null ? null : s.home().toString());
      o.put("description", s.description());
    }

    Map<PublicKey, Conviction> convicted = convictions(node.activity());
    ArrayNode servers = root.putArray("servers");
    List<ServerRecord> ordered = new ArrayList<>(node.registry().servers());
    ordered.sort(Comparator.comparing(ServerRecord::url, DashboardData::compareUrls)
        .thenComparing(ServerRecord::key));
    root.put("serversTotal", ordered.size());
    if (ordered.size() > MAX_LISTED) { // this node is always listed
      ordered.stream().filter(s -> s.key().equals(node.self())).findFirst().ifPresent(me -> {
        ordered.remove(me);
        ordered.add(0, me);
      });
    }
    for (int i = 0; i < Math.min(MAX_LISTED, ordered.size()); i++) {
      ServerRecord s = ordered.get(i);
      ObjectNode o = servers.addObject();
      o.put("key", s.key().toString());
      o.put("short", shortKey(s.key()));
      o.put("label", "Server " + letters(i));
      o.put("url", s.url().toString());
      o.put("self", s.key().equals(node.self()));
      Integer score = DashboardSources.score(node, s.key());
      boolean isConvicted = convicted.containsKey(s.key()) || DashboardSources.blacklisted(node, s.key());
      if (isConvicted) {
        score = 0; // a conviction zeroes the score whatever the score keeper has caught up with
      }
      if (score == null) {
        o.putNull("score");
      } else {
        o.put("score", score);
      }
      o.put("convicted", isConvicted);
      ArrayNode offers = o.putArray("offers");
      s.offers().forEach(offers::add);
      ArrayNode rewards = o.putArray("rewards");
      s.rewards().forEach(rewards::add);
    }

    // This node's own view of what it runs, including what is still being fetched or failed to load.
    ObjectNode hosting = root.putObject("hosting");
    new TreeMap<>(node.hosting().states()).forEach((id, st) -> hosting.put(id, switch (st) {
      case Hosting.State.Ready r -> "ready";
      case Hosting.State.Waiting w -> "waiting: " + w.why();
      case Hosting.State.Failed f -> "failed: " + f.why();
    }));

    Activity activity = node.activity();
    root.put("totalCalls", activity.totalCalls());
    ArrayNode calls = root.putArray("calls");
    Map<String, Integer> recentByService = new TreeMap<>();
    for (Activity.Call c : activity.calls()) {
      recentByService.merge(c.service(), 1, Integer::sum);
      if (calls.size() < RECENT) {
        ObjectNode o = calls.addObject();
        o.put("at", c.atMillis());
        o.put("service", c.service());
        o.put("method", c.method());
        o.put("outcome", c.outcome());
        o.put("fuel", c.fuel());
        o.put("micros", c.micros());
      }
    }
    ObjectNode byService = root.putObject("recentCallsByService");
    recentByService.forEach(byService::put);

    ArrayNode conflicts = root.putArray("conflicts");
    for (Activity.Conflict c : first(activity.conflicts())) {
      ObjectNode o = conflicts.addObject();
      o.put("at", c.atMillis());
      o.put("service", c.service());
      o.put("requestHash", c.requestHash());
      ArrayNode ss = o.putArray("servers");
      c.servers().forEach(ss::add);
      o.put("source", c.source());
    }
    ArrayNode convictions = root.putArray("convictions");
    for (Activity.Conviction c : first(activity.convictions())) {
      ObjectNode o = convictions.addObject();
      o.put("at", c.atMillis());
      o.put("server", c.server());
      o.put("service", c.service());
      o.put("requestHash", c.requestHash());
      o.put("reason", c.reason());
    }

    JsonNode reciprocity = DashboardSources.reciprocity(node);
    root.set("reciprocity", reciprocity == null ? Json.nodes().nullNode() : reciprocity);
    return root;
  }

  /** The snapshot as UTF-8 bytes, for the HTTP route. */
  public static byte[] bytes(Parts node) {
    return snapshot(node).toString().getBytes(StandardCharsets.UTF_8);
  }

  private record Conviction(long atMillis, String service) {}

  private static Map<PublicKey, Conviction> convictions(Activity activity) {
    Map<PublicKey, Conviction> out = new HashMap<>();
    for (Activity.Conviction c : activity.convictions()) {
      try {
        out.putIfAbsent(PublicKey.parse(c.server()), new Conviction(c.atMillis(), c.service()));
      } catch (RuntimeException e) {
        // A conviction naming something that is not a key cannot be drawn on a server; it still shows in the list.
      }
    }
    return out;
  }

  private static <T> List<T> first(List<T> newestFirst) {
    return newestFirst.size() <= RECENT ? newestFirst : newestFirst.subList(0, RECENT);
  }

  /** The letter of the server at {@code index} in URL order: A, B, …, Z, AA, AB, … */
  public static String letters(int index) {
    StringBuilder sb = new StringBuilder();
    int i = index;
    do {
      sb.insert(0, (char) ('A' + i % 26));
      i = i / 26 - 1;
    } while (i >= 0);
    return sb.toString();
  }

  /** Host, then port as a number (so :7409 sorts before :7410), then the whole text. */
  static int compareUrls(URI a, URI b) {
    int c = String.valueOf(a.getHost()).compareTo(String.valueOf(b.getHost()));
    if (c != 0) {
      return c;
    }
    c = Integer.compare(a.getPort(), b.getPort());
    return c != 0 ? c : a.toString().compareTo(b.toString());
  }

  static String shortKey(PublicKey key) {
    String s = key.toString().substring(PublicKey.PREFIX.length());
    return s.length() <= 8 ? s : s.substring(0, 8) + "…";
  }

  static String shortCid(String cid) {
    return cid.length() <= 16 ? cid : cid.substring(0, 8) + "…" + cid.substring(cid.length() - 6);
  }
}
