package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.EvidenceDelivery;
import dev.tandem.client.ServerAnswer;
import dev.tandem.client.ServiceErrorException;
import dev.tandem.client.TandemClient;
import dev.tandem.client.TandemException;
import dev.tandem.client.score.FileScoreStore;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem call}: calls a service through the network with verification and prints the verified result as
 * canonical JSON. With {@code --verbose}, stderr shows which servers answered what, the verdict and any conviction.
 */
@Command(name = "call", mixinStandardHelpOptions = true,
    description = {"Call a service on several servers, verify the answers, print the verified result (canonical JSON).",
        "Exit codes: 0 verified result (or an unchecked one with --spot-check), 1 unverifiable / no servers / "
            + "service error, 2 bad input."})
final class CallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--node", paramLabel = "URL",
      description = "a node to read the registry from (repeatable; required unless --registry is given)")
  List<URI> nodes = new java.util.ArrayList<>();

  @Option(names = "--registry", paramLabel = "SPEC",
      description = "read the registry from an EVM chain instead: evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY")
  String registry;

  @Option(names = "--eth-key", paramLabel = "FILE",
      description = "with --registry: an Ethereum key file (calls only read the chain, so it is optional)")
  java.nio.file.Path ethKey;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "service id or name")
  String service;

  @Parameters(index = "1", paramLabel = "METHOD") String method;

  @Parameters(index = "2", paramLabel = "PARAMS_JSON", arity = "0..1",
      description = "params: a JSON object or array (default: none)")
  String params;

  @Option(names = "--min-requests", paramLabel = "N",
      description = "ask at least N servers (default: what the verifier needs)")
  Integer minRequests;

  @Option(names = "--max-requests", paramLabel = "N", defaultValue = "8",
      description = "ask at most N servers per call, retries and escalation included (default 8)")
  int maxRequests;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
      description = "deadline of the whole call (default 15)")
  double timeoutSeconds;

  @Option(names = "--scores", paramLabel = "FILE",
      description = "where this client keeps its scores of servers (default ~/.tandem/client-scores.json)")
  Path scores;

  @Option(names = "--peer-policy", paramLabel = "POLICY", defaultValue = "auto",
      description = "which server addresses learned from records to contact: auto (the reach of --node: a public "
          + "node's client contacts only public addresses), public, private, loopback or any")
  String peerPolicy;

  @Option(names = "--spot-check", paramLabel = "RATE",
      description = "adaptive mode: spot-check only this fraction of calls (a proven server's answer compared with "
          + "one other operator's, a difference settled by the referee) and take the signed answer of one proven "
          + "server alone otherwise (default 1: verify every call in full)")
  Double spotCheck;

  @Option(names = "--referee", paramLabel = "MODE", defaultValue = "local",
      description = "who settles a conflict: local (re-run the module here, the default), home (the home server, then "
          + "more servers), none (never run a module here: home server, then more servers; no audits)")
  String referee;

  @Option(names = "--audit", paramLabel = "RATE",
      description = "re-run this fraction of accepted answers here before printing them (default 0.02; 1 = trust "
          + "nobody); a wrong answer found is not printed, a warning is and the exit code is 1")
  Double audit;

  @Option(names = "--modules", paramLabel = "DIR",
      description = "where fetched modules are kept for the referee (default ~/.tandem/modules)")
  Path modules;

  @Option(names = "--oci", paramLabel = "RUNTIME", defaultValue = "podman",
      description = "how the referee re-runs an OCI service: podman (the default, when on the PATH), the path of a "
          + "podman binary, or off; without it an OCI conflict is settled by the home server and more servers")
  String oci;

  @Option(names = "--verbose", description = "show on stderr which servers answered what, the verdict and convictions")
  boolean verbose;

  @Option(names = "--json", description = "print one JSON object: the result and how it was verified (verdict, "
      + "each server's answer, how a conflict was settled, convictions, evidence); also for a failed call")
  boolean json;

  /** The evidence deliveries of the last report finished, for --json. */
  private List<EvidenceDelivery> delivered = List.of();

  /** For an OCI service: how its conflicts are settled, shown with --verbose. */
  private String ociNote;

  @Override
  public Integer call() throws java.io.IOException {
    JsonNode p = parseParams();
    if (maxRequests < 1) {
      throw new Errors.UserException("--max-requests must be at least 1, got " + maxRequests);
    }
    if (minRequests != null && (minRequests < 1 || minRequests > maxRequests)) {
      throw new Errors.UserException("--min-requests must be between 1 and --max-requests (" + maxRequests
          + "), got " + minRequests);
    }
    if (!(timeoutSeconds > 0)) {
      throw new Errors.UserException("--timeout must be a positive number of seconds, got " + timeoutSeconds);
    }
    Path scoresFile = scores != null ? scores : Path.of(System.getProperty("user.home"), ".tandem",
        "client-scores.json");
    PrintWriter err = spec.commandLine().getErr();
    if (nodes.isEmpty() && registry == null) {
      throw new Errors.UserException("give --node URL (a node to read the registry from) or --registry evm:…");
    }
    TandemClient.Builder b = TandemClient.builder().scoreStore(new FileScoreStore(scoresFile))
        .maxRequests(maxRequests).callTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000)));
    try {
      b.peerPolicy(peerPolicy);
    } catch (IllegalArgumentException e) {
      throw new Errors.UserException(e.getMessage());
    }
    dev.tandem.registry.Registry chain = null;
    if (registry != null) {
      chain = dev.tandem.registry.evm.EvmRegistry.connect(registry, ethKey); // calls only read the chain
      b.registry(chain);
    } else {
      b.bootstrap(nodes);
    }
    if (minRequests != null) {
      b.minRequests(minRequests);
    }
    try {
      b.referee(dev.tandem.client.RefereeMode.parse(referee));
    } catch (IllegalArgumentException e) {
      throw new Errors.UserException(e.getMessage());
    }
    if (audit != null) {
      if (!(audit >= 0 && audit <= 1)) {
        throw new Errors.UserException("--audit must be in [0, 1], got " + audit);
      }
      b.audit(audit);
    }
    if (oci.isBlank()) {
      throw new Errors.UserException("--oci must be podman, off or the path of a podman binary");
    }
    b.containers(oci);
    b.moduleDir(modules != null ? modules : dev.tandem.client.referee.ModuleCache.defaultDir());
    // The referee's fetches of a module or input by CID (5 s to answer, the client's default) say how far they
    // are on stderr once they take a while: for a person at a terminal, not for scripts (--json, or redirected).
    boolean showProgress = !json && dev.tandem.cli.demo.Progress.isTerminal();
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    b.httpClient(http).moduleSource(dev.tandem.client.referee.ModuleCache.over(
        dev.tandem.core.rpc.Transport.http(http), Duration.ofSeconds(5), line -> {
          if (showProgress) {
            System.err.println("call: " + line);
          }
        }));
    if (spotCheck != null) {
      if (!(spotCheck > 0 && spotCheck <= 1)) {
        throw new Errors.UserException("--spot-check must be in (0, 1], got " + spotCheck);
      }
      b.spotCheck(spotCheck);
    }
    try (http; TandemClient client = b.build(); dev.tandem.registry.Registry ignored = chain) {
      CallReport report;
      try {
        var handle = client.service(service);
        if (handle.record().isOci()) {
          String image = "runtime oci (" + handle.record().oci().image() + "): ";
          ociNote = client.runsContainers() && referee.equalsIgnoreCase("local")
              ? image + "a conflict is re-run here in a podman container (pulled by digest, isolated as on nodes), "
                  + "then the home server and more servers if it cannot run"
              : image + "this client runs no containers, so a conflict is settled by the home server and more "
                  + "servers, never re-run here";
        }
        report = handle.callWithReport(method, p);
      } catch (ServiceErrorException e) {
        e.report().ifPresent(r -> failed(r, err));
        throw new Errors.UserException(e.getMessage() + " (verified)", Errors.FAILED);
      } catch (TandemException e) {
        e.report().ifPresent(r -> failed(r, err));
        throw new Errors.UserException(e.getMessage(), Errors.FAILED);
      }
      finish(report, err);
      if (!report.verified()) {
        ServerAnswer alone = report.answers().get(0);
        err.println("unchecked (--spot-check): the signed answer of proven server " + alone.server()
            + " alone, not verified");
        err.flush();
      }
      CallReport.Audit checked = report.audit().join(); // before printing: a wrong answer is never printed
      if (json) {
        com.fasterxml.jackson.databind.node.ObjectNode out = CallJson.of(report, delivered, checked);
        if (checked.status() == CallReport.Audit.Status.WRONG) {
          out.putNull("result");
        }
        System.out.println(out.toPrettyString());
      }
      if (checked.status() == CallReport.Audit.Status.WRONG) {
        err.println("warning: audit: " + checked.detail() + "; convicted " + checked.convicted());
        err.flush();
        return Errors.FAILED;
      }
      if (!json) {
        System.out.println(canonical(report.result().orElseThrow()));
      }
      return 0;
    }
  }

  private JsonNode parseParams() {
    if (params == null) {
      return null;
    }
    JsonNode p;
    try {
      p = Json.parse(params);
    } catch (JsonFormatException e) {
      throw new Errors.UserException("PARAMS_JSON is not valid JSON: " + e.getMessage());
    }
    if (!(p.isObject() || p.isArray() || p.isNull())) {
      throw new Errors.UserException("PARAMS_JSON must be a JSON object or array, got " + params);
    }
    return p;
  }

  /** A call that failed with a report: the report, and with --json the report as JSON on stdout. */
  private void failed(CallReport r, PrintWriter err) {
    finish(r, err);
    if (json) {
      System.out.println(CallJson.of(r, delivered, null).toPrettyString());
    }
  }

  /** Waits (bounded) for the evidence to reach the nodes, so the process does not exit before; prints the report. */
  private void finish(CallReport r, PrintWriter err) {
    delivered = List.of();
    if (r.evidence().isPresent()) {
      try {
        delivered = r.evidenceDeliveries().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        delivered = List.of();
      }
    }
    if (verbose) {
      print(r, delivered, err);
      if (ociNote != null) {
        err.println(ociNote);
        err.flush();
      }
    }
  }

  private static void print(CallReport r, List<EvidenceDelivery> delivered, PrintWriter err) {
    err.printf("service %s, method %s, verifier %s, %d answers needed%n", r.service(), r.method(), r.verifier(),
        r.minRequests());
    for (ServerAnswer a : r.answers()) {
      err.printf("  %-18s %-5s %-12s %-11s %6d ms  %s%n", a.shortServer(), a.home() ? "home" : "",
          a.kind().name().toLowerCase(), a.shortHash(12), a.latency().toMillis(),
          a.kind() == ServerAnswer.Kind.VOTE ? a.detail() : a.detail() + "  " + a.url());
    }
    if (r.verdict() != null) {
      err.printf("verdict: %s", r.verdict().kind().id());
    } else {
      err.print("verdict: none");
    }
    err.printf(", decided by %s%s, %d ms%n", r.decision().name().toLowerCase(),
        r.responseHash() == null ? "" : " -> " + r.responseHash().substring(0, 12), r.elapsed().toMillis());
    for (String note : r.notes()) {
      err.printf("settled: %s%n", note);
    }
    for (PublicKey k : r.convicted()) {
      String signed = r.answers().stream().filter(a -> k.equals(a.server()) && a.responseHash() != null)
          .map(a -> a.shortHash(12)).findFirst().orElse("?");
      err.printf("convicted: %s (signed %s)%n", k, signed);
    }
    if (r.evidence().isPresent()) {
      long ok = delivered.stream().filter(EvidenceDelivery::accepted).count();
      err.printf("evidence: %d attestations sent to %d nodes, accepted by %d%n",
          r.evidence().get().attestations().size(), delivered.size(), ok);
    }
    err.flush();
  }

  private static String canonical(JsonNode result) {
    try {
      return Jcs.toString(result);
    } catch (JsonFormatException e) {
      return result.toString(); // a verified result is canonical JSON already; this cannot happen
    }
  }
}
