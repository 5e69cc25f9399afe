package dev.tandem.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.ServiceErrorException;
import dev.tandem.client.ServiceHandle;
import dev.tandem.client.TandemClient;
import dev.tandem.client.TandemException;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.JsonFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Runs the demo's calls one after the other through the client SDK and checks each verified answer against the
 * trusted re-run: counts what was verified, which calls met conflicting answers, which liar was convicted at which
 * call, and the latency of each call.
 */
public final class DemoWorkload {
  /** A server the client convicted: at which call (from 1) and on which service. */
  public record Caught(PublicKey server, int call, String service) {}

  /**
   * What a run did.
   *
   * @param calls     calls made
   * @param verified  calls that returned a verified answer (a result, or the service's own verified error)
   * @param conflicts calls in which signed answers disagreed
   * @param settled   how those conflicts were decided (referee, home server, more servers), by decision
   * @param wrong     verified answers that differ from the trusted re-run (must be 0)
   * @param failed    calls that ended without a verified answer
   * @param failures  the first few failures, one line each
   * @param caught    every convicted server, at the first call that convicted it
   * @param micros    latency of every call that returned, in microseconds
   * @param elapsed   wall time of the whole run
   */
  public record Result(int calls, int verified, int conflicts, Map<CallReport.Decision, Integer> settled, int wrong,
      int failed, List<String> failures, List<Caught> caught, long[] micros, Duration elapsed) {

    /** The {@code q}-quantile (0..1) of latencies, in milliseconds; NaN when no call returned. */
    public double latencyMs(double q) {
      if (micros.length == 0) {
        return Double.NaN;
      }
      long[] sorted = micros.clone();
      Arrays.sort(sorted);
      int i = (int) Math.ceil(q * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
    }
  }

  private static final int KEEP_FAILURES = 5;

  private final TrustedRunner trusted;
  private final Map<String, ServiceHandle> handles = new HashMap<>();
  private final long seed;
  private final Optional<dev.tandem.core.cid.Cid> searchIndex;

  public DemoWorkload(TandemClient client, DemoNetwork network, long seed) {
    this.trusted = network.trusted();
    this.searchIndex = network.searchIndex();
    this.seed = seed;
    for (DemoNetwork.Service s : network.services().values()) {
      handles.put(s.name(), client.service(s.id()));
    }
  }

  /** Runs calls {@code first} … {@code first + count − 1}; {@code progress} gets the number done after each. */
  public Result run(int first, int count, IntConsumer progress) {
    int verified = 0;
    int conflicts = 0;
    Map<CallReport.Decision, Integer> settled = new java.util.EnumMap<>(CallReport.Decision.class);
    int wrong = 0;
    int failed = 0;
    List<String> failures = new ArrayList<>();
    Map<PublicKey, Caught> caught = new LinkedHashMap<>();
    long[] micros = new long[count];
    int timed = 0;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      DemoCalls.Call call = DemoCalls.call(first + i, seed);
      if (call.service().equals(DemoLayout.SEARCH)) { // the index by CID, as a dApp names its own data
        searchIndex.ifPresent(cid -> call.params().putObject("index").put("/", cid.toString()));
      }
      ServiceHandle handle = Objects.requireNonNull(handles.get(call.service()), call.service());
      CallReport report;
      try {
        report = handle.callWithReport(call.method(), call.params());
      } catch (ServiceErrorException e) {
        report = e.report().orElse(null); // the service's own error, verified like a result
      } catch (TandemException e) {
        failed++;
        if (failures.size() < KEEP_FAILURES) {
          failures.add("call " + call.number() + " (" + call.service() + "." + call.method() + "): " + e.getMessage());
        }
        e.report().ifPresent(r -> convicted(r, call, caught));
        progress.accept(i + 1);
        continue;
      }
      if (report != null && report.response() != null) {
        verified++;
        micros[timed++] = report.elapsed().toNanos() / 1000;
        if (conflicted(report)) {
          conflicts++;
          settled.merge(report.decision(), 1, Integer::sum);
        }
        convicted(report, call, caught);
        if (!trusted.matches(handle.id(), call.method(), call.params(), canonical(report.response()))) {
          wrong++;
          if (failures.size() < KEEP_FAILURES) {
            failures.add("call " + call.number() + ": WRONG verified answer " + report.response());
          }
        }
      } else {
        failed++;
      }
      progress.accept(i + 1);
    }
    return new Result(count, verified, conflicts, Map.copyOf(settled), wrong, failed, failures, List.copyOf(caught.values()),
        Arrays.copyOf(micros, timed), Duration.ofNanos(System.nanoTime() - start));
  }

  /** Signed answers that disagree: more than one response hash among the valid votes. */
  static boolean conflicted(CallReport report) {
    return report.votes().stream().map(ServerAnswer::responseHash).distinct().count() > 1;
  }

  private static void convicted(CallReport report, DemoCalls.Call call, Map<PublicKey, Caught> caught) {
    for (PublicKey k : report.convicted()) {
      caught.putIfAbsent(k, new Caught(k, call.number(), call.service()));
    }
  }

  private static byte[] canonical(JsonNode response) {
    try {
      return Jcs.canonicalize(response);
    } catch (JsonFormatException e) {
      return new byte[0];
    }
  }
}
