package dev.tandem.cli.demo;

import dev.tandem.client.CallReport;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.reciprocity.Obligations;
import dev.tandem.node.reciprocity.Pair;
import dev.tandem.node.reciprocity.Reciprocity;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The demo's summary: the network, what the calls did, who was caught and when, reciprocity, and the checks that
 * decide the exit code.
 */
public final class DemoReport {
  /** One check and whether it held. */
  public record Check(String what, boolean passed) {}

  private final DemoNetwork net;
  private final DemoWorkload.Result result;
  private final int minRequests;
  private final boolean keepsRunning;

  /** {@code keepsRunning}: whether the network (and its dashboard) stays up after the summary. */
  public DemoReport(DemoNetwork net, DemoWorkload.Result result, int minRequests, boolean keepsRunning) {
    this.net = net;
    this.result = result;
    this.minRequests = minRequests;
    this.keepsRunning = keepsRunning;
  }

  /** The checks: every call verified, no wrong answer, every liar convicted, no honest server convicted. */
  public List<Check> checks() {
    List<Check> out = new ArrayList<>();
    out.add(new Check("every call returned a verified answer", result.verified() == result.calls()));
    out.add(new Check("no verified answer differs from the trusted re-run", result.wrong() == 0));
    List<DemoNetwork.Member> liars = net.members().stream().filter(m -> m.role().liar()).toList();
    boolean allCaught = liars.stream().allMatch(l -> result.caught().stream().anyMatch(c -> c.server().equals(l.key())));
    out.add(new Check("every liar was convicted", allCaught));
    boolean honestSafe = result.caught().stream()
        .allMatch(c -> net.member(c.server()).map(m -> m.role().liar()).orElse(false));
    out.add(new Check("no honest server was convicted", honestSafe));
    long honest = net.members().stream().filter(m -> !m.role().liar()).count();
    boolean spread = result.caught().stream().allMatch(c -> net.convictedBy(c.server()).size() == honest);
    out.add(new Check("every honest node convicted each caught liar from the evidence", spread));
    return out;
  }

  public boolean passed() {
    return checks().stream().allMatch(Check::passed);
  }

  public void print(PrintStream out) {
    DemoLayout layout = net.layout();
    Map<String, String> names = net.services().values().stream()
        .collect(Collectors.toMap(DemoNetwork.Service::id, DemoNetwork.Service::name));
    Function<PublicKey, String> letter = k -> net.member(k).map(DemoNetwork.Member::letter).orElse(shortKey(k));

    out.println();
    out.printf(Locale.ROOT, "Tandem demo: %d nodes (%d lying), %d services, %d calls%n", layout.servers().size(),
        layout.liars(), net.services().size(), result.calls());
    out.println();
    out.println("  server  url                      key                 offers                     rewards");
    for (DemoNetwork.Member m : net.members()) {
      ServerRecord rec = m.node().registry().server(m.key()).orElse(null);
      out.printf(Locale.ROOT, "  %-7s %-24s %-19s %-26s %s%n", m.letter() + (m.role().liar() ? " LIAR" : ""),
          m.url(), shortKey(m.key()), rec == null ? "-" : offers(rec.offers(), m.role(), names),
          rec == null ? "-" : list(rec.rewards(), names));
    }
    out.println("  (+ marks a service a server runs beyond the picture: added by reciprocity, or by the demo)");
    net.notes().forEach(n -> out.println("  note: " + n));
    out.println();
    out.printf(Locale.ROOT, "  calls                %d (each asked %d servers in parallel; server A is matrix's home "
        + "server, search and whisper have none)%n", result.calls(), minRequests);
    out.printf(Locale.ROOT, "  verified             %d%n", result.verified());
    if (result.failed() > 0) {
      out.printf(Locale.ROOT, "  failed               %d%n", result.failed());
      result.failures().forEach(f -> out.println("                         " + f));
    }
    out.printf(Locale.ROOT, "  conflicts            %d (calls whose signed answers disagreed)%s%n", result.conflicts(),
        settled(result.settled()));
    out.printf(Locale.ROOT, "  wrong results        %d (every verified answer re-run locally in a sandbox)%n",
        result.wrong());
    if (result.caught().isEmpty()) {
      out.println("  convictions          none");
    }
    for (int i = 0; i < result.caught().size(); i++) {
      DemoWorkload.Caught c = result.caught().get(i);
      long honest = net.members().stream().filter(m -> !m.role().liar()).count();
      out.printf(Locale.ROOT, "  %-20s %s convicted at call %d (%s); %d of %d honest nodes re-ran the evidence "
          + "and convicted it too%n", i == 0 ? "convictions" : "", letter.apply(c.server()), c.call(), c.service(),
          net.convictedBy(c.server()).size(), honest);
    }
    out.printf(Locale.ROOT, "  latency              p50 %.1f ms, p99 %.1f ms (%.0f calls/s, one at a time)%n",
        result.latencyMs(0.50), result.latencyMs(0.99),
        result.calls() / Math.max(1e-9, result.elapsed().toNanos() / 1e9));
    out.println();
    printReciprocity(out, letter, names);
    out.println();
    out.println("  dashboard            " + net.dashboard() + (keepsRunning ? ""
        : " (stops with the demo: run without --exit to browse it)"));
    out.println();
    for (Check c : checks()) {
      out.println("  " + (c.passed() ? "[ok]     " : "[FAILED] ") + c.what());
    }
  }

  /** The summary for scripts ({@code tandem demo --json}): the same figures and checks as {@link #print}. */
  public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
    var out = dev.tandem.core.json.Json.object();
    Map<String, String> names = net.services().values().stream()
        .collect(Collectors.toMap(DemoNetwork.Service::id, DemoNetwork.Service::name));
    var servers = out.putArray("servers");
    for (DemoNetwork.Member m : net.members()) {
      ServerRecord rec = m.node().registry().server(m.key()).orElse(null);
      var n = servers.addObject().put("server", m.letter()).put("url", m.url().toString())
          .put("key", m.key().toString()).put("liar", m.role().liar());
      var offers = n.putArray("offers");
      var rewards = n.putArray("rewards");
      if (rec != null) {
        rec.offers().forEach(id -> offers.add(names.getOrDefault(id, id)));
        rec.rewards().forEach(id -> rewards.add(names.getOrDefault(id, id)));
      }
    }
    out.put("calls", result.calls()).put("minRequests", minRequests).put("verified", result.verified())
        .put("failed", result.failed()).put("conflicts", result.conflicts()).put("wrong", result.wrong());
    var settled = out.putObject("settledBy");
    result.settled().forEach((d, count) -> settled.put(d.name().toLowerCase(Locale.ROOT), count));
    var convictions = out.putArray("convictions");
    long honest = net.members().stream().filter(m -> !m.role().liar()).count();
    for (DemoWorkload.Caught c : result.caught()) {
      convictions.addObject().put("server", net.member(c.server()).map(DemoNetwork.Member::letter).orElse(null))
          .put("key", c.server().toString()).put("call", c.call()).put("service", c.service())
          .put("convictedByHonestNodes", net.convictedBy(c.server()).size()).put("honestNodes", honest);
    }
    if (result.micros().length > 0) {
      out.put("latencyP50Ms", result.latencyMs(0.50)).put("latencyP99Ms", result.latencyMs(0.99));
    }
    out.put("callsPerSecond", result.calls() / Math.max(1e-9, result.elapsed().toNanos() / 1e9));
    out.put("dashboard", net.dashboard().toString()).put("dashboardStaysUp", keepsRunning);
    var checks = out.putArray("checks");
    checks().forEach(c -> checks.addObject().put("check", c.what()).put("passed", c.passed()));
    out.put("passed", passed());
    return out;
  }

  /** How conflicts were settled: ", settled by the referee 3, the home server 0, majority of more servers 0". */
  private static String settled(Map<CallReport.Decision, Integer> by) {
    if (by.isEmpty()) {
      return "";
    }
    return String.format(Locale.ROOT, ", settled by the referee (re-run here) %d, home server %d, majority of more "
        + "servers %d", by.getOrDefault(CallReport.Decision.REFEREE, 0), by.getOrDefault(CallReport.Decision.HOME, 0),
        by.getOrDefault(CallReport.Decision.ESCALATION, 0));
  }

  /** "if you run my service I will run yours", pair by pair, as server A's registry has it now. */
  private void printReciprocity(PrintStream out, Function<PublicKey, String> letter, Map<String, String> names) {
    var a = net.members().get(0).node();
    List<ServerRecord> records = a.registry().servers();
    Obligations obligations = Obligations.of(records.stream()
        .map(r -> Reciprocity.credited(r, k -> !k.equals(a.publicKey()) && a.scores().blacklisted(k))).toList());
    out.println("  reciprocity          X runs for Y = how many of Y's rewarded services X offers");
    String convicted = records.stream().map(ServerRecord::key).filter(a.scores()::blacklisted).map(letter)
        .sorted().collect(Collectors.joining(", "));
    if (!convicted.isEmpty()) {
      out.println("                       (convicted by A: " + convicted + "; their offers count for nothing)");
    }
    out.println("    X  Y   X runs for Y   Y runs for X   status");
    List<Pair> pairs = new ArrayList<>(obligations.pairs());
    pairs.sort(Comparator.comparing((Pair p) -> letter.apply(p.x())).thenComparing(p -> letter.apply(p.y())));
    for (Pair p : pairs) {
      String x = letter.apply(p.x());
      String y = letter.apply(p.y());
      if (x.compareTo(y) > 0) {
        continue; // each pair once
      }
      // A convicted server's offers count for nothing, so its pairs are not "balanced": they are out of the game.
      String status = a.scores().blacklisted(p.x()) || a.scores().blacklisted(p.y())
          ? (a.scores().blacklisted(p.x()) ? x : y) + " convicted: not counted"
          : p.xOwesY() > 0 ? x + " owes " + y + " " + p.xOwesY()
          : p.yOwesX() > 0 ? y + " owes " + x + " " + p.yOwesX() : "balanced";
      Pair back = obligations.pair(p.y(), p.x());
      out.printf(Locale.ROOT, "    %-2s %-3s %-14s %-14s %s%n", x, y, p.giveXToY() + " " + list(p.xOffersOfYRewards(),
          names), back.giveXToY() + " " + list(back.xOffersOfYRewards(), names), status);
    }
  }

  /** The services a server offers, by name; a {@code +} marks one the picture did not give it. */
  private static String offers(List<String> ids, DemoLayout.Server role, Map<String, String> names) {
    if (ids.isEmpty()) {
      return "-";
    }
    return ids.stream().map(id -> names.getOrDefault(id, id)).sorted()
        .map(name -> role.offers().contains(name) ? name : "+" + name).collect(Collectors.joining(","));
  }

  private static String list(List<String> ids, Map<String, String> names) {
    if (ids.isEmpty()) {
      return "-";
    }
    return ids.stream().map(id -> names.getOrDefault(id, id.substring(0, Math.min(12, id.length())) + "…"))
        .sorted().collect(Collectors.joining(","));
  }

  static String shortKey(PublicKey k) {
    String s = k.toString();
    return s.substring(0, Math.min(s.length(), PublicKey.PREFIX.length() + 8)) + "…";
  }
}
