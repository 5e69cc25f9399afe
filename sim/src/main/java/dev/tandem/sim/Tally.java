package dev.tandem.sim;

import dev.tandem.client.CallReport;
import dev.tandem.client.NoServersException;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.TandemException;
import dev.tandem.client.UnverifiableException;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.wire.ServiceCall;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything a run counts, checked against the truth the simulation knows (each request's real outcome, who lies).
 * Also a digest of every call's outcome, so two runs that print the same summary are known to have made the same
 * calls with the same answers, not just the same totals.
 */
final class Tally {
  /** What the run knows about one liar. */
  static final class LiarRecord {
    long liesSigned;
    long liesSeen;
    long firstLieSeen;
    long liesSeenBeforeConviction;
    long convictedAtCall;
    String convictedBy;
    final TreeSet<String> clientsConvicting = new TreeSet<>();
    final TreeSet<String> nodesConvicting = new TreeSet<>();
  }

  private final Map<String, Long> faults = new TreeMap<>();
  private final Map<String, Long> effects = new TreeMap<>();
  private final Map<String, Long> failures = new TreeMap<>();
  private final Map<CallReport.Decision, Long> decisions = new EnumMap<>(CallReport.Decision.class);
  private final MessageDigest trace;
  private Map<PublicKey, SimNode> byKey = Map.of();
  private final Map<Integer, LiarRecord> liars = new TreeMap<>();
  private long call;
  long calls;
  long answered;
  long verifiedErrors;
  long wrong;
  /** Wrong answers taken unchecked in adaptive mode: the trade that mode makes, counted apart. */
  long wrongUnchecked;
  /** Requests sent to servers (the home server's included), over all calls. */
  long requests;
  /**
   * Calls from {@link #steadyFrom} on, and their requests: the steady state, after the clients' warm-up (servers
   * earning their way off probation and, in adaptive mode, to proven).
   */
  long steadyCalls;
  long steadyRequests;
  private long steadyFrom = Long.MAX_VALUE;
  /** Calls in which the client re-ran the request itself (referee). */
  long reruns;
  /** Accepted answers the clients audited (re-ran), and those found wrong. */
  long audits;
  long auditsWrong;
  long clientConvictions;
  long nodeConvictions;
  /** Of {@link #nodeConvictions}, those reached on evidence a node pulled from a peer (its evidence sync). */
  long pulledConvictions;
  long honestConvictedByClients;
  long honestConvictedByNodes;

  Tally() {
    try {
      trace = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  void nodes(List<SimNode> nodes) {
    Map<PublicKey, SimNode> keys = new TreeMap<>();
    for (SimNode n : nodes) {
      keys.put(n.key(), n);
      if (n.role().liar()) {
        liars.put(n.index(), new LiarRecord());
      }
    }
    this.byKey = keys;
  }

  /** The call being made now (1-based), for what happens during it. */
  void call(long index) {
    this.call = index;
  }

  /** Counts the calls from the one with this index on as the steady state too. */
  void steadyFrom(long index) {
    this.steadyFrom = index;
  }

  private void requests(int n) {
    requests += n;
    if (call >= steadyFrom) {
      steadyCalls++;
      steadyRequests += n;
    }
  }

  long call() {
    return call;
  }

  /** A fault was injected. */
  void fault(String kind) {
    faults.merge(kind, 1L, Long::sum);
  }

  /** What a request met because of a fault: refused, reset, lost, timed out. */
  void effect(String kind) {
    effects.merge(kind, 1L, Long::sum);
  }

  void lieSigned(int node) {
    liars.get(node).liesSigned++;
  }

  void nodeConvicted(int node, PublicKey server) {
    nodeConvicted(node, server, false);
  }

  /** A node convicted {@code server} re-running evidence it was sent, or {@code pulled} from a peer's feed. */
  void nodeConvicted(int node, PublicKey server, boolean pulled) {
    nodeConvictions++;
    if (pulled) {
      pulledConvictions++;
    }
    SimNode convicted = byKey.get(server);
    if (convicted == null || !convicted.role().liar()) {
      honestConvictedByNodes++;
      return;
    }
    LiarRecord r = liars.get(convicted.index());
    r.nodesConvicting.add(String.format("n%02d", node));
    firstConviction(r, String.format("node n%02d", node));
  }

  private void firstConviction(LiarRecord r, String by) {
    if (r.convictedBy == null) {
      r.convictedBy = by;
      r.convictedAtCall = call;
      r.liesSeenBeforeConviction = r.liesSeen;
    }
  }

  /** A call that returned an answer (verified unless adaptive mode took it unchecked). */
  void answered(SimClient client, String service, ServiceCall request, CallReport report, String truth) {
    calls++;
    answered++;
    requests(report.answers().size());
    reruns += report.reran() ? 1 : 0;
    CallReport.Audit audit = report.audit().getNow(null); // audits run inline: done by now
    if (audit != null && audit.status() != CallReport.Audit.Status.NOT_AUDITED) {
      audits++;
      auditsWrong += audit.status() == CallReport.Audit.Status.WRONG ? 1 : 0;
    }
    if (report.error().isPresent()) {
      verifiedErrors++;
    }
    decisions.merge(report.decision(), 1L, Long::sum);
    boolean right = truth.equals(report.responseHash());
    if (!right && report.verified()) {
      wrong++;
    } else if (!right) {
      wrongUnchecked++;
    }
    lies(report, truth);
    for (PublicKey k : report.convicted()) {
      clientConvictions++;
      SimNode n = byKey.get(k);
      if (n == null || !n.role().liar()) {
        honestConvictedByClients++;
      } else {
        LiarRecord r = liars.get(n.index());
        r.clientsConvicting.add(client.name());
        firstConviction(r, "client " + client.name());
      }
    }
    trace(client, service, request, (right ? "ok " : "WRONG ") + report.responseHash().substring(0, 12) + " "
        + report.decision(), report);
  }

  /** A call that ended in an exception: it failed cleanly, without an answer. */
  void failed(SimClient client, String service, ServiceCall request, TandemException e, String truth) {
    calls++;
    requests(e.report().map(r -> r.answers().size()).orElse(0));
    String kind = kind(e);
    failures.merge(kind, 1L, Long::sum);
    CallReport report = e.report().orElse(null);
    if (report != null) {
      lies(report, truth);
    }
    trace(client, service, request, "failed " + kind, report);
  }

  private void lies(CallReport report, String truth) {
    for (ServerAnswer a : report.answers()) {
      if (a.kind() != ServerAnswer.Kind.VOTE || truth.equals(a.responseHash())) {
        continue;
      }
      SimNode n = byKey.get(a.server());
      if (n != null && n.role().liar()) {
        LiarRecord r = liars.get(n.index());
        r.liesSeen++;
        if (r.firstLieSeen == 0) {
          r.firstLieSeen = call;
        }
      }
    }
  }

  /** The kind of a clean failure, from what the client says about it. */
  static String kind(TandemException e) {
    String m = String.valueOf(e.getMessage());
    if (e instanceof NoServersException) {
      if (m.startsWith("no server offers") || m.startsWith("no usable server")) {
        return "no usable server (all blacklisted)";
      }
      return "too few valid answers" + (m.contains("before the deadline") ? " before the call's deadline"
          : m.contains("no other server offers it") ? ", every server asked" : ", max-requests reached");
    }
    if (e instanceof UnverifiableException u) {
      List<String> reasons = u.reasons();
      if (m.startsWith("verifier ")) {
        return "verifier failed";
      }
      if (reasons.isEmpty() || !reasons.get(0).contains("answers conflict")) {
        return "differing answers, too few of them to decide";
      }
      String home = reasons.stream().anyMatch(r -> r.startsWith("home server ")) ? "home server unreachable"
          : "no home server";
      String more = reasons.stream().anyMatch(r -> r.contains("never accepts once answers differ"))
          ? "builtin:equal cannot ask more servers" : "no majority among more servers";
      return "conflict not settled: " + home + ", " + more;
    }
    return e.getClass().getSimpleName();
  }

  private void trace(SimClient client, String service, ServiceCall request, String outcome, CallReport report) {
    StringBuilder line = new StringBuilder().append(call).append('|').append(client.name()).append('|')
        .append(service).append('|').append(request.requestHash(), 0, 12).append('|').append(outcome);
    if (report != null) {
      line.append('|');
      for (ServerAnswer a : report.answers()) {
        SimNode n = a.server() == null ? null : byKey.get(a.server());
        line.append(n == null ? "?" : n.name()).append(a.home() ? "(home)" : "").append(':')
            .append(a.kind()).append(':').append(a.shortHash(8)).append(',');
      }
      line.append('|').append(report.elapsed().toNanos());
    }
    trace.update(line.append('\n').toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A digest of every call's outcome so far. */
  String traceDigest() {
    try {
      return HexFormat.of().formatHex(((MessageDigest) trace.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digests can be cloned", e);
    }
  }

  Map<String, Long> faults() {
    return faults;
  }

  Map<String, Long> effects() {
    return effects;
  }

  Map<String, Long> failures() {
    return failures;
  }

  Map<CallReport.Decision, Long> decisions() {
    return decisions;
  }

  Map<Integer, LiarRecord> liars() {
    return liars;
  }

  long failed() {
    return calls - answered;
  }
}
