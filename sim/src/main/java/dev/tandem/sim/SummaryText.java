package dev.tandem.sim;

import dev.tandem.client.CallReport;
import dev.tandem.core.record.ServiceRecord;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes the summary of a run. Only values fixed by the seed go in: no wall-clock time, no hash order. */
final class SummaryText {
  private SummaryText() {}

  static SimSummary of(SimConfig config, Tally tally, List<SimNode> nodes, List<SimClient> clients,
      List<ServiceRecord> services, VirtualTime time, long sandboxRuns) {
    StringBuilder out = new StringBuilder();
    List<SimNode> liars = nodes.stream().filter(n -> n.role().liar()).toList();
    long honestNodes = nodes.size() - liars.size();
    line(out, "Tandem simulation, seed %d", config.seed());
    line(out, "  network    %d nodes (%d %s%s), %d clients%s; %s", nodes.size(), liars.size(),
        liars.size() == 1 ? "liar" : "liars", liars.isEmpty() ? "" : ": " + names(liars), clients.size(),
        embedded(clients), config.noHome() ? "no home server" : "home server n00 (honest)");
    line(out, "  model      %s", config.model());
    line(out, "  services   %s; %s",
        services.stream().map(s -> s.name() + " (" + s.verifier() + ", asks " + asks(config, s) + ")")
            .collect(Collectors.joining(", ")), settlement(config));
    line(out, "  time       %d calls in %s of virtual time; %d sandbox runs (distinct requests), %d events",
        tally.calls, duration(time.nanoTime()), sandboxRuns, time.eventsRun());
    if (!config.faults()) {
      line(out, "  faults     none (lies only)");
    } else {
      line(out, "  faults     injected:");
      tally.faults().forEach((kind, n) -> line(out, "    %7d  %s", n, kind));
      line(out, "             and what requests met:");
      tally.effects().forEach((kind, n) -> line(out, "    %7d  %s", n, kind));
    }
    out.append('\n');
    line(out, "calls             %d", tally.calls);
    line(out, "  answered        %d (availability %s): results %d, verified service errors %d", tally.answered,
        percent(tally.answered, tally.calls), tally.answered - tally.verifiedErrors, tally.verifiedErrors);
    Map<CallReport.Decision, Long> d = tally.decisions();
    line(out, "  decided by      verifier %d, referee (re-run here) %d, home server %d, escalation to more servers %d",
        d.getOrDefault(CallReport.Decision.VERIFIER, 0L), d.getOrDefault(CallReport.Decision.REFEREE, 0L),
        d.getOrDefault(CallReport.Decision.HOME, 0L), d.getOrDefault(CallReport.Decision.ESCALATION, 0L));
    line(out, "  requests/call   %.3f (second half of the calls %.3f; client re-runs in %d calls)", tally.calls == 0
        ? 0.0 : (double) tally.requests / tally.calls, tally.steadyCalls == 0 ? 0.0
        : (double) tally.steadyRequests / tally.steadyCalls, tally.reruns);
    line(out, "  audits          %d at rate %s, %d found a wrong accepted answer; client re-runs/call %.4f (referee "
        + "and audits)", tally.audits, config.audit(), tally.auditsWrong, tally.calls == 0 ? 0.0
        : (double) (tally.reruns + tally.audits) / tally.calls);
    if (config.spotCheck() < 1) {
      line(out, "  unchecked       %d (adaptive mode: one proven server alone, spot-check rate %s); spot-checked %d "
          + "(a proven server and one other operator agreed)", d.getOrDefault(CallReport.Decision.UNCHECKED, 0L),
          config.spotCheck(), d.getOrDefault(CallReport.Decision.SPOT_CHECK, 0L));
    }
    line(out, "  WRONG RESULTS   %d", tally.wrong);
    line(out, "wrong accepted: %d of %d calls (rate %s)", tally.wrong, tally.calls,
        tally.calls == 0 ? "0" : String.format(java.util.Locale.ROOT, "%.2e", (double) tally.wrong / tally.calls));
    if (config.spotCheck() < 1) {
      line(out, "  wrong unchecked %d (lies of proven servers taken without verification before a spot check "
          + "caught them)", tally.wrongUnchecked);
    }
    line(out, "  failed cleanly  %d", tally.failed());
    tally.failures().forEach((kind, n) -> line(out, "    %7d  %s", n, kind));
    line(out, "convictions       by clients %d, by nodes re-running evidence %d (%d on evidence pulled from a peer); "
        + "honest servers convicted %d", tally.clientConvictions, tally.nodeConvictions, tally.pulledConvictions,
        tally.honestConvictedByClients + tally.honestConvictedByNodes);
    int lied = 0;
    int convicted = 0;
    for (SimNode n : liars) {
      Tally.LiarRecord r = tally.liars().get(n.index());
      if (r.liesSeen > 0) {
        lied++;
        if (r.convictedBy != null) {
          convicted++;
        }
      }
    }
    line(out, "liars             %d, of which lied to a client %d, convicted %d", liars.size(), lied, convicted);
    for (SimNode n : liars) {
      Tally.LiarRecord r = tally.liars().get(n.index());
      long blacklisting = clients.stream().filter(c -> c.blacklists(n)).count();
      line(out, "  %s  %s, lies on %.1f%% of its calls: signed %d wrong answers, %d reached clients", n.name(),
          n.role().lieAfter() >= 0 ? "turns liar after " + n.role().lieAfter() + " answers"
          : "turned liar at call " + n.role().turnAt(), 100 * n.role().lieRate(), r.liesSigned, r.liesSeen);
      if (r.convictedBy != null) {
        line(out, "       convicted at call %d by %s: %s%d calls after its first lie reached a client (lies that reached "
                + "clients by then: %d)", r.convictedAtCall, r.convictedBy, n.role().lieAfter() >= 0 ? ""
                : (r.convictedAtCall - n.role().turnAt()) + " calls after turning, ",
            r.convictedAtCall - r.firstLieSeen, r.liesSeenBeforeConviction);
        line(out, "       convicted by clients [%s] and %d/%d honest nodes; blacklisted by %d/%d clients at the end",
            String.join(" ", r.clientsConvicting), r.nodesConvicting.size(), honestNodes, blacklisting,
            clients.size());
      } else {
        line(out, "       %s", r.liesSeen == 0 ? "never lied to a client: nothing to convict"
            : "NOT CONVICTED although it lied to a client");
      }
    }
    line(out, "trace sha256      %s", tally.traceDigest());
    long honestConvicted = tally.honestConvictedByClients + tally.honestConvictedByNodes;
    SimSummary partial = new SimSummary("", tally.calls, tally.answered, tally.wrong, lied, convicted,
        honestConvicted, tally.traceDigest());
    line(out, "result            %s: %d wrong results, %d/%d liars that lied convicted, %d honest servers convicted",
        partial.passed() ? "PASS" : "FAIL", tally.wrong, convicted, lied, honestConvicted);
    return new SimSummary(out.toString(), partial.calls(), partial.answered(), partial.wrong(), lied, convicted,
        honestConvicted, partial.traceDigest());
  }

  /** How the clients settle a conflict, for the header. */
  private static String settlement(SimConfig config) {
    String home = config.noHome() ? "no home server" : "home server n00";
    return switch (config.referee()) {
      case LOCAL -> "a conflict goes to the client's own re-run (referee); " + home;
      case HOME -> "a conflict goes to the home server, then (majority) to more servers; " + home;
      case NONE -> "no re-runs in the client: a conflict goes to the home server, then (majority) to more servers; "
          + home;
    };
  }

  private static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  private static String names(List<SimNode> nodes) {
    return nodes.stream().map(SimNode::name).collect(Collectors.joining(" "));
  }

  private static String embedded(List<SimClient> clients) {
    List<String> inside = clients.stream().filter(c -> c.host() != null)
        .map(c -> c.name() + " in " + c.host().name()).toList();
    return inside.isEmpty() ? "" : " (" + String.join(", ", inside) + ")";
  }

  private static int asks(SimConfig config, ServiceRecord s) {
    int verifier = s.verifier().equals(ServiceRecord.BUILTIN_MAJORITY) ? 3 : 2;
    return Math.max(verifier, config.minRequests());
  }

  private static String percent(long part, long whole) {
    return String.format(Locale.ROOT, "%.3f%%", whole == 0 ? 0.0 : 100.0 * part / whole);
  }

  static String duration(long nanos) {
    long ms = nanos / 1_000_000;
    return String.format(Locale.ROOT, "%dh%02dm%02d.%03ds", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
        ms % 1000);
  }
}
