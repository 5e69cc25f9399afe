package dev.tandem.cli;

import dev.tandem.client.RefereeMode;
import dev.tandem.client.TandemClient;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sim.SimConfig;
import dev.tandem.sim.SimSummary;
import dev.tandem.sim.Simulation;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem simulate}: a seeded fault simulation of many nodes and clients in one process, on virtual time. The
 * same seed gives the same run and the same summary, byte for byte, so a failing seed can be replayed. Exit code 0
 * only when no wrong result was returned, no honest server was convicted and every liar that lied was convicted.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Simulate a network with liars and injected faults on virtual time, replayable from its seed.",
        "Faults: crashes, slow nodes, partitions, lost, delayed and corrupted messages; the client, sandbox and "
            + "signatures are the real ones.",
        "The same --seed gives the same run. Exit code 0 only when wrong results = 0 and every liar that lied "
            + "was convicted; 1 otherwise."})
final class SimulateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--seed", paramLabel = "S", description = "seed of the run (default: a random one, printed)")
  Long seed;

  @Option(names = "--nodes", defaultValue = "20", paramLabel = "N", description = "servers (default 20)")
  int nodes;

  @Option(names = "--liars", defaultValue = "0.3", paramLabel = "F",
      description = "liars among them: a count (6) or a fraction (0.3, the default)")
  String liars;

  @Option(names = "--calls", defaultValue = "10000", paramLabel = "C", description = "calls (default 10000)")
  long calls;

  @Option(names = "--clients", defaultValue = "4", paramLabel = "K",
      description = "clients; every second one runs inside an honest node (default 4)")
  int clients;

  @Option(names = "--collude",
      description = "liars agree on their wrong answers (default: each liar lies its own way); see docs/RELIABILITY.md")
  boolean collude;

  @Option(names = "--verifier", defaultValue = "both", paramLabel = "V",
      description = "majority, equal or both (one service each; default both)")
  String verifier;

  @Option(names = "--lie-rate", paramLabel = "P",
      description = "chance that a liar lies on a call once it turned liar (default: each liar draws one, "
          + "log-uniform in [0.01, 1]); every liar turns at a random call in the first 80%% of the run")
  Double lieRate;

  @Option(names = "--min-requests", defaultValue = "0", paramLabel = "K",
      description = "servers every call asks at least (default: the verifier's minRequests)")
  int minRequests;

  @Option(names = "--spot-check", defaultValue = "1", paramLabel = "RATE",
      description = "clients in adaptive mode: the fraction of calls spot-checked (a proven server's answer compared "
          + "with one other operator's) once servers are proven; the others go to one proven server alone "
          + "(default 1: every call verified in full)")
  double spotCheck;

  @Option(names = "--lie-after", defaultValue = "-1", paramLabel = "N",
      description = "liars answer honestly for their first N answers each, then lie: a reputation-building attacker "
          + "(default: each liar turns at a random call)")
  long lieAfter;

  @Option(names = "--audit", paramLabel = "RATE",
      description = "fraction of accepted answers the clients re-run themselves (default: the client's, "
          + TandemClient.DEFAULT_AUDIT + ")")
  Double audit;

  @Option(names = "--referee", defaultValue = "local", paramLabel = "MODE",
      description = "who settles the clients' conflicts: local (their own re-run, the default), home or none")
  String referee;

  @Option(names = "--no-home", description = "the services name no home server")
  boolean noHome;

  @Option(names = "--json", description = "print the outcome as one JSON object (seed, counts, verdict, replay "
      + "command and the summary text); no progress bar")
  boolean json;

  @Option(names = "--no-faults", description = "lies only: no crashes, slow nodes, partitions or message faults")
  boolean noFaults;

  @Override
  public Integer call() throws Exception {
    // The client logs each conviction; the summary says it all, and the run is the same either way.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    long s = seed != null ? seed : new java.security.SecureRandom().nextLong() >>> 1;
    SimConfig config;
    try {
      config = new SimConfig(s, nodes, SimConfig.liarCount(liars, nodes), calls, clients, collude,
          verifiers(verifier), lieRate == null ? -1 : lieRate, !noFaults, minRequests, spotCheck,
          Checkout.root().resolve("services/matrix/matrix.wasm"), lieAfter,
          audit == null ? TandemClient.DEFAULT_AUDIT : audit, RefereeMode.parse(referee), noHome);
    } catch (IllegalArgumentException e) {
      throw new Errors.UserException(e.getMessage());
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("tandem simulate: seed " + s + " (replay: " + replay(config) + ")");
    err.flush();
    long started = System.nanoTime();
    java.util.function.IntConsumer bar = dev.tandem.cli.demo.Progress.inTerminal("calls",
        (int) Math.min(calls, Integer.MAX_VALUE), json);
    SimSummary summary = Simulation.run(config, done -> bar.accept((int) Math.min(done, Integer.MAX_VALUE)));
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.print(json ? json(summary, config) : summary.text());
    System.out.flush();
    // Wall-clock time is not part of the summary: the summary of a seed never changes.
    err.printf(Locale.ROOT, "tandem simulate: %d calls in %.1f s of wall-clock time (%.0f calls/s)%n",
        summary.calls(), seconds, summary.calls() / seconds);
    err.flush();
    if (!summary.passed()) {
      err.println("tandem simulate: FAILED; replay with: " + replay(config));
      err.flush();
      return 1;
    }
    return 0;
  }

  /** The outcome for scripts: the summary's counts as fields, and its text as printed without --json. */
  private static String json(SimSummary s, SimConfig config) {
    com.fasterxml.jackson.databind.node.ObjectNode out = dev.tandem.core.json.Json.object();
    out.put("seed", config.seed()).put("nodes", config.nodes()).put("liars", config.liars())
        .put("calls", s.calls()).put("answered", s.answered()).put("wrong", s.wrong())
        .put("liarsThatLied", s.liarsThatLied()).put("liarsConvicted", s.liarsConvicted())
        .put("honestConvicted", s.honestConvicted()).put("traceDigest", s.traceDigest()).put("passed", s.passed())
        .put("replay", replay(config)).put("summary", s.text());
    return out.toPrettyString() + "\n";
  }

  private static List<String> verifiers(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "majority" -> List.of(ServiceRecord.BUILTIN_MAJORITY);
      case "equal" -> List.of(ServiceRecord.BUILTIN_EQUAL);
      case "both" -> SimConfig.BOTH;
      default -> throw new IllegalArgumentException("--verifier must be majority, equal or both, got '" + v + "'");
    };
  }

  /** The command line that runs {@code config} again. */
  static String replay(SimConfig c) {
    StringBuilder b = new StringBuilder("./tandem simulate --seed ").append(c.seed()).append(" --nodes ")
        .append(c.nodes()).append(" --liars ").append(c.liars()).append(" --calls ").append(c.calls())
        .append(" --clients ").append(c.clients());
    if (c.collude()) {
      b.append(" --collude");
    }
    if (!c.verifiers().equals(SimConfig.BOTH)) {
      b.append(" --verifier ").append(c.verifiers().get(0).substring("builtin:".length()));
    }
    if (c.lieRate() >= 0) {
      b.append(" --lie-rate ").append(c.lieRate());
    }
    if (c.minRequests() > 0) {
      b.append(" --min-requests ").append(c.minRequests());
    }
    if (c.spotCheck() < 1) {
      b.append(" --spot-check ").append(c.spotCheck());
    }
    if (c.lieAfter() >= 0) {
      b.append(" --lie-after ").append(c.lieAfter());
    }
    if (c.audit() != TandemClient.DEFAULT_AUDIT) {
      b.append(" --audit ").append(c.audit());
    }
    if (c.referee() != RefereeMode.LOCAL) {
      b.append(" --referee ").append(c.referee().name().toLowerCase(Locale.ROOT));
    }
    if (c.noHome()) {
      b.append(" --no-home");
    }
    if (!c.faults()) {
      b.append(" --no-faults");
    }
    return b.toString();
  }
}
