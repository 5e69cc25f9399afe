package dev.tandem.sim;

import dev.tandem.client.RefereeMode;
import dev.tandem.client.TandemClient;
import dev.tandem.core.record.ServiceRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What one simulation runs. Everything that varies between runs comes from {@code seed}: the same config gives the
 * same run, event for event.
 *
 * @param seed        the seed of every random choice (network, faults, workload, clients' server selection)
 * @param nodes       servers, all offering the simulated services; node {@code n00} is the services' home server
 * @param liars       how many of them sign wrong answers (never the home server)
 * @param calls       service calls made by the clients, one after another
 * @param clients     clients; every second one runs inside an honest node and shares its scores
 * @param collude     whether liars agree on their wrong answers (see {@link LieStyle})
 * @param verifiers   the services' verifiers: {@code builtin:equal} and/or {@code builtin:majority}, one service each
 * @param lieRate     the chance that a liar lies on a call once it has turned; negative: each liar draws its own,
 *                    log-uniform in [0.01, 1]
 * @param faults      whether crashes, slow spells, partitions and message faults are injected besides the lies
 * @param minRequests servers every call asks at least (0: the verifier's own {@code minRequests()})
 * @param spotCheck   the clients' adaptive mode: the fraction of calls verified in full once servers are proven
 *                    (1: every call, the default; see {@code TandemClient.Builder#spotCheck})
 * @param module      the service module: {@code services/matrix/matrix.wasm}
 * @param lieAfter    liars answer honestly for their first {@code lieAfter} answers each, then lie (a reputation
 *                    built first); negative: each turns at a call of the run instead (see {@link #model()})
 * @param audit       the clients' audit rate ({@code TandemClient.Builder#audit})
 * @param referee     who settles the clients' conflicts ({@code TandemClient.Builder#referee})
 * @param noHome      whether the services name no home server
 */
public record SimConfig(long seed, int nodes, int liars, long calls, int clients, boolean collude,
    List<String> verifiers, double lieRate, boolean faults, int minRequests, double spotCheck, Path module,
    long lieAfter, double audit, RefereeMode referee, boolean noHome) {

  /** A run with the client's default audit rate and referee, liars turning at a call, and a home server. */
  public SimConfig(long seed, int nodes, int liars, long calls, int clients, boolean collude, List<String> verifiers,
      double lieRate, boolean faults, int minRequests, double spotCheck, Path module) {
    this(seed, nodes, liars, calls, clients, collude, verifiers, lieRate, faults, minRequests, spotCheck, module, -1,
        TandemClient.DEFAULT_AUDIT, RefereeMode.LOCAL, false);
  }

  /** Both built-in verifiers, one service each. */
  public static final List<String> BOTH = List.of(ServiceRecord.BUILTIN_MAJORITY, ServiceRecord.BUILTIN_EQUAL);

  public SimConfig {
    if (nodes < 3 || nodes > 1000) {
      throw new IllegalArgumentException("nodes must be 3..1000, got " + nodes);
    }
    if (liars < 0 || liars > nodes - 1) {
      throw new IllegalArgumentException("liars must be 0.." + (nodes - 1) + " (the home server is honest), got "
          + liars);
    }
    if (calls < 1) {
      throw new IllegalArgumentException("calls must be >= 1, got " + calls);
    }
    if (clients < 1 || clients > 100) {
      throw new IllegalArgumentException("clients must be 1..100, got " + clients);
    }
    verifiers = List.copyOf(verifiers);
    if (verifiers.isEmpty() || !BOTH.containsAll(verifiers) || verifiers.stream().distinct().count()
        != verifiers.size()) {
      throw new IllegalArgumentException("verifiers must be builtin:majority and/or builtin:equal, got "
          + verifiers);
    }
    if (lieRate > 1 || Double.isNaN(lieRate)) {
      throw new IllegalArgumentException("lieRate must be in 0..1 (or negative for a random rate per liar), got "
          + lieRate);
    }
    if (minRequests < 0 || minRequests > nodes) {
      throw new IllegalArgumentException("minRequests must be 0.." + nodes + ", got " + minRequests);
    }
    if (!(spotCheck > 0 && spotCheck <= 1)) {
      throw new IllegalArgumentException("spotCheck must be in (0, 1], got " + spotCheck);
    }
    if (!(audit >= 0 && audit <= 1)) {
      throw new IllegalArgumentException("audit must be in [0, 1], got " + audit);
    }
    java.util.Objects.requireNonNull(referee, "referee");
  }

  /** The defaults: 20 nodes, 30% independent liars, 4 clients, both verifiers, faults on. */
  public static SimConfig defaults(long seed, long calls, Path module) {
    return new SimConfig(seed, 20, 6, calls, 4, false, BOTH, -1, true, 0, 1, module);
  }

  /**
   * The number of liars {@code spec} means among {@code nodes}: a count ({@code 6}) or a fraction ({@code 0.3},
   * rounded to the nearest count).
   */
  public static int liarCount(String spec, int nodes) {
    String s = spec.trim();
    try {
      if (s.contains(".")) {
        double f = Double.parseDouble(s);
        if (!(f >= 0 && f < 1)) {
          throw new IllegalArgumentException("a fraction of liars must be in [0, 1), got " + spec);
        }
        return (int) Math.round(f * nodes);
      }
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("liars must be a count (6) or a fraction (0.3), got '" + spec + "'");
    }
  }

  /** One line naming the model, for the summary. */
  String model() {
    String rate = lieRate >= 0 ? String.format(Locale.ROOT, "lie rate %.2f", lieRate)
        : collude ? "one lie rate for all, drawn log-uniform in [0.01, 1]"
        : "lie rates drawn per liar, log-uniform in [0.01, 1]";
    return (collude ? "COLLUDING liars: all sign the same wrong answer (like --unsafe-fault lie) on the same "
        + "requests, from the same call on" : "INDEPENDENT liars: each signs its own wrong answer, from a call "
        + "of its own") + (lieAfter >= 0 ? " after its own first " + lieAfter + " answers (honest until then)"
        : " in the first 80% of the run") + "; " + rate;
  }
}
