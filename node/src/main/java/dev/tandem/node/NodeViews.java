package dev.tandem.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.score.Scores;
import dev.tandem.node.fault.Fault;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.registry.Registry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node shows of itself: {@code tandem_status}, {@code tandem_scores}, {@code GET /health} and the dashboard
 * page. Read fresh from the node's parts on every request; holds nothing itself.
 */
final class NodeViews {
  private static final Logger LOG = LoggerFactory.getLogger(NodeViews.class);
  private final long startedAt = System.currentTimeMillis();
  private final PublicKey self;
  private final Supplier<URI> url;
  private final Supplier<NodeConfig> config;
  private final Registry registry;
  private final Hosting hosting;
  private final Scores scores;

  NodeViews(PublicKey self, Supplier<URI> url, Supplier<NodeConfig> config, Registry registry, Hosting hosting,
      Scores scores) {
    this.self = self;
    this.url = url;
    this.config = config;
    this.registry = registry;
    this.hosting = hosting;
    this.scores = scores;
  }

  /**
   * {@code tandem_status}: key, URL, version, uptime, offers, pending services, the tier each ready one runs on,
   * rewards, registry size, peers.
   */
  ObjectNode status() {
    NodeConfig config = this.config.get();
    ObjectNode s = Json.object();
    s.put("key", self.toString());
    s.put("url", url.get().toString());
    s.put("version", Node.VERSION);
    s.put("uptimeMs", System.currentTimeMillis() - startedAt);
    if (config.fault() != Fault.NONE) {
      s.put("fault", config.fault().name().toLowerCase());
    }
    ArrayNode offers = s.putArray("offers");
    hosting.readyIds().forEach(offers::add);
    ObjectNode pending = s.putObject("pending");
    ObjectNode tiers = Json.object();
    hosting.states().forEach((id, st) -> {
      switch (st) {
        case Hosting.State.Waiting w -> pending.put(id, "waiting: " + w.why());
        case Hosting.State.Failed f -> pending.put(id, "failed: " + f.why());
        case Hosting.State.Ready r -> tiers.put(id, r.service().module() == null ? "container" // an OCI service
            : r.service().module().tier());
      }
    });
    s.set("tiers", tiers); // how each ready service's calls run now: interpreter, compiled, engine (GraalWasm), container
    ArrayNode rewards = s.putArray("rewards");
    new TreeSet<>(config.rewards()).forEach(rewards::add);
    ObjectNode reg = s.putObject("registry");
    reg.put("services", registry.services().size());
    reg.put("servers", registry.servers().size());
    ArrayNode peers = s.putArray("peers");
    config.peers().forEach(p -> peers.add(p.toString()));
    return s;
  }

  /** {@code tandem_scores}: this node's score of every server it dealt with, and its blacklist. */
  ObjectNode scores() {
    ObjectNode out = Json.object();
    ArrayNode list = out.putArray("scores");
    Map<PublicKey, URI> urls = new HashMap<>();
    registry.servers().forEach(s -> urls.put(s.key(), s.url()));
    scores.snapshot().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      var v = e.getValue();
      ObjectNode row = list.addObject();
      row.put("server", e.getKey().toString());
      if (urls.containsKey(e.getKey())) {
        row.put("url", urls.get(e.getKey()).toString());
      }
      row.put("score", v.score());
      row.put("blacklisted", scores.blacklisted(e.getKey()));
      row.put("convictedAt", v.convictedAt());
      row.put("latencyMs", Math.round(v.latencyMs() * 100) / 100.0);
      row.put("successes", v.successes());
      row.put("failures", v.failures());
      row.put("weight", Math.round(scores.weight(e.getKey()) * 10_000) / 10_000.0);
    });
    return out;
  }

  /** {@code GET /health}. */
  byte[] health() {
    return ("{\"status\":\"ok\",\"key\":\"" + self + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  /** The dashboard's page; its script polls {@code /dashboard.json}. */
  byte[] dashboard() {
    try (var in = NodeViews.class.getResourceAsStream("/dashboard/index.html")) {
      if (in != null) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      LOG.warn("cannot read the dashboard page", e);
    }
    return ("<!doctype html><title>Tandem node</title><h1>Tandem node " + self + "</h1>")
        .getBytes(StandardCharsets.UTF_8);
  }
}
