package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.json.Json;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem reciprocity}: what a node gives and owes each peer under "if you run my service I will run yours",
 * the work the ledger counted both ways, and what the node's planner did in its last round.
 */
@Command(name = "reciprocity", mixinStandardHelpOptions = true,
    description = "Show what a node gives and owes its peers, the work done both ways, and what its reciprocity "
        + "planner did last.")
final class ReciprocityCommand implements Callable<Integer> {
  @Option(names = "--node", required = true, paramLabel = "URL", description = "the node to ask")
  URI node;

  @Option(names = "--json", description = "print the node's JSON answer as it is")
  boolean json;

  @Option(names = "--peer", paramLabel = "KEY", description = "also show the ledger per service for this peer")
  String peer;

  @Override
  public Integer call() throws Exception {
    ObjectNode params = Json.object();
    if (peer != null) {
      params.put("peer", peer);
    }
    JsonNode report = new NodeClient(node).rpc("tandem_reciprocity", params);
    if (json) {
      System.out.println(report.toPrettyString());
    } else {
      render(report, System.out);
    }
    return 0;
  }

  /** The report as text: a summary line, one row per peer, then the planner's last round. */
  static void render(JsonNode r, PrintStream out) {
    JsonNode cap = r.path("capacity");
    out.printf(Locale.ROOT, "node %s   grace %s   capacity %d/%d services, %s/%d MiB%n", r.path("key").asText(),
        duration(r.path("graceMs").asLong()), cap.path("usedServices").asInt(), cap.path("maxServices").asInt(),
        mib(cap.path("usedMemoryBytes").asLong()), cap.path("maxMemoryMb").asInt());
    JsonNode names = names(r);
    List<String> operator = new ArrayList<>();
    r.path("offers").path("operator").forEach(id -> operator.add(service(names, id.asText())));
    out.println("offers by the operator: " + (operator.isEmpty() ? "-" : String.join(", ", operator)));
    List<String> held = new ArrayList<>();
    r.path("offers").path("reciprocity").forEach(h -> held.add(service(names, h.path("service").asText()) + " for "
        + h.path("for").asText()));
    out.println("offers for peers:       " + (held.isEmpty() ? "-" : String.join(", ", held)));
    out.println();

    JsonNode peers = r.path("peers");
    if (peers.isEmpty()) {
      out.println("no peer gives this node anything or gets anything from it");
    } else {
      out.printf(Locale.ROOT, "%-52s %-26s %9s %-18s %6s %6s %8s  %-26s %-17s %-17s %s%n", "PEER", "URL",
          "THEY GIVE", "DELIVERED/DECLARED", "I GIVE", "I OWE", "THEY OWE", "STATUS", "SERVED calls/fuel",
          "OBSERVED calls/fuel", "RUNNING FOR IT");
      for (JsonNode p : peers) {
        JsonNode ledger = p.path("ledger");
        List<String> running = new ArrayList<>();
        p.path("runningFor").forEach(id -> running.add(service(names, id.asText())));
        out.printf(Locale.ROOT, "%-52s %-26s %9d %-18s %6d %6d %8d  %-26s %-17s %-17s %s%n",
            p.path("peer").asText(), p.path("url").asText(), p.path("theyGive").asInt(), delivery(p),
            p.path("iGive").asInt(), p.path("iOwe").asInt(),
            p.path("theyOwe").asInt(), status(p, r.path("at").asLong()), work(ledger.path("served")),
            work(ledger.path("observed")), running.isEmpty() ? "-" : String.join(", ", running));
      }
    }
    int quiet = r.path("quietPeers").asInt();
    if (quiet > 0) {
      out.println("(" + quiet + " other server" + (quiet == 1 ? " has" : "s have") + " no dealings with this node)");
    }
    for (JsonNode p : peers) {
      for (JsonNode probe : p.path("probes")) {
        if (!probe.path("result").asText().equals("delivered")) {
          out.println("probe of " + p.path("peer").asText() + " for " + service(names, probe.path("service").asText())
              + " at " + time(probe.path("at").asLong()) + ": " + probe.path("result").asText() + " ("
              + probe.path("detail").asText() + "); that offer is not counted");
        }
      }
    }
    for (JsonNode p : peers) {
      JsonNode perService = p.path("ledger").path("services");
      if (perService.isArray()) {
        out.println();
        out.println("ledger with " + p.path("peer").asText() + ":");
        out.printf(Locale.ROOT, "  %-40s %-17s %s%n", "SERVICE", "SERVED calls/fuel", "OBSERVED calls/fuel");
        for (JsonNode u : perService) {
          out.printf(Locale.ROOT, "  %-40s %-17s %s%n", service(names, u.path("service").asText()),
              work(u.path("served")), work(u.path("observed")));
        }
      }
    }

    out.println();
    JsonNode last = r.path("lastRound");
    if (last.isMissingNode() || last.isNull()) {
      out.println("the planner has not run yet");
      return;
    }
    round(out, "last round", last, names);
    JsonNode change = r.path("lastChange");
    if (change.isObject() && change.path("at").asLong() != last.path("at").asLong()) {
      out.println();
      round(out, "last change", change, names);
    }
  }

  /**
   * {@code delivered/declared}: of the services this node rewards that the peer's record offers, how many passed
   * their latest delivery probe; {@code , N failed} when some failed theirs (those are not counted in THEY GIVE).
   */
  private static String delivery(JsonNode p) {
    String s = p.path("delivered").asInt() + "/" + p.path("declared").asInt();
    int failed = p.path("undelivered").asInt();
    return failed == 0 ? s : s + ", " + failed + " failed";
  }

  private static void round(PrintStream out, String title, JsonNode round, JsonNode names) {
    out.println(title + " " + time(round.path("at").asLong()) + ":");
    int lines = 0;
    for (JsonNode d : round.path("defaults")) {
      out.println("  default        " + d.path("peer").asText() + ": in arrears since "
          + time(d.path("arrearsSince").asLong()) + ", runs " + d.path("theyGive").asInt()
          + " of the services this node rewards, down from " + d.path("promised").asInt());
      lines++;
    }
    for (JsonNode c : round.path("added")) {
      out.println("  added          " + service(names, c.path("service").asText()) + " for " + c.path("peer").asText()
          + ": " + c.path("detail").asText());
      lines++;
    }
    for (JsonNode c : round.path("reassigned")) {
      out.println("  reassigned     " + service(names, c.path("service").asText()) + " to " + c.path("peer").asText()
          + ": " + c.path("detail").asText());
      lines++;
    }
    for (JsonNode c : round.path("withdrawn")) {
      out.println("  withdrawn      " + service(names, c.path("service").asText()) + " (ran for "
          + c.path("peer").asText() + "): " + c.path("reason").asText() + ": " + c.path("detail").asText());
      lines++;
    }
    for (JsonNode s : round.path("cannotHonour")) {
      out.println("  cannot honour  " + s.path("peer").asText() + ": " + s.path("why").asText());
      for (JsonNode b : s.path("blocked")) {
        out.println("                   " + service(names, b.path("service").asText()) + ": "
            + b.path("reason").asText() + ": " + b.path("detail").asText());
      }
      lines++;
    }
    if (lines == 0) {
      out.println("  nothing to do: every debt is paid");
    }
  }

  /** Service id → name: the report's {@code names}, and the names given next to ids elsewhere. */
  private static JsonNode names(JsonNode r) {
    ObjectNode names = Json.object();
    r.path("offers").path("reciprocity").forEach(h -> names.put(h.path("service").asText(), h.path("name").asText()));
    r.path("names").fields().forEachRemaining(e -> names.put(e.getKey(), e.getValue().asText()));
    return names;
  }

  /** {@code name (bafkrei…)}, or the abbreviated id when the name is not known. */
  static String service(JsonNode names, String id) {
    String shortId = id.length() > 16 ? id.substring(0, 12) + "…" + id.substring(id.length() - 4) : id;
    String name = names.path(id).asText("");
    return name.isEmpty() || name.equals("?") || name.equals("null") ? shortId : name + " (" + shortId + ")";
  }

  private static String status(JsonNode p, long now) {
    String status = p.path("status").asText();
    if (p.path("convicted").asBoolean()) {
      status = "convicted: offers not counted; " + status;
    }
    JsonNode defaultAt = p.path("defaultAt");
    if (defaultAt.isNumber() && !"in default".equals(status)) {
      return status + ", defaults in " + duration(Math.max(0, defaultAt.asLong() - now));
    }
    return status;
  }

  private static String work(JsonNode w) {
    return w.path("calls").asLong() + " / " + human(w.path("fuel").asLong());
  }

  /** 1234 → 1.2k, 5600000 → 5.6M. */
  static String human(long n) {
    String[] units = {"", "k", "M", "G", "T", "P"};
    double v = n;
    int u = 0;
    while (Math.abs(v) >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0 ? Long.toString(n) : String.format(Locale.ROOT, "%.1f%s", v, units[u]);
  }

  private static String mib(long bytes) {
    double m = bytes / (1024.0 * 1024.0);
    return m == Math.rint(m) ? Long.toString((long) m) : String.format(Locale.ROOT, "%.1f", m);
  }

  static String duration(long ms) {
    Duration d = Duration.ofMillis(ms);
    if (ms < 1000) {
      return ms + "ms";
    }
    if (d.toHours() > 0) {
      return d.toHours() + "h" + (d.toMinutesPart() > 0 ? d.toMinutesPart() + "m" : "");
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + "m" + (d.toSecondsPart() > 0 ? d.toSecondsPart() + "s" : "");
    }
    return d.toSeconds() + "s";
  }

  private static String time(long epochMs) {
    return Instant.ofEpochMilli(epochMs).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
