package dev.tandem.bench.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.bench.LocalNet;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tandem bench fuzz}: hostile input against one real node, through the handlers its HTTP server calls
 * ({@code /rpc} and {@code /services/{id}}), case after case from a seed. A case passes when the reply is JSON-RPC
 * (answers with known error codes, no stack trace, never an exception) and a refused record left neither itself nor
 * the module it carried on the node. Every {@value #HTTP_CHECK_EVERY} cases, and at the end, an echo call over HTTP
 * must still be answered correctly. Exit code 1 when any case failed.
 */
public final class FuzzBenchmark {
  static final int HTTP_CHECK_EVERY = 50_000;
  private static final Set<Integer> KNOWN_CODES = Set.of(RpcErrors.PARSE_ERROR, RpcErrors.INVALID_REQUEST,
      RpcErrors.METHOD_NOT_FOUND, RpcErrors.INVALID_PARAMS, RpcErrors.UNKNOWN_SERVICE, RpcErrors.REJECTED,
      RpcErrors.UNAUTHORIZED, RpcErrors.OVERLOADED, RpcErrors.TOO_LARGE);
  private static final int MAX_FINDINGS_SHOWN = 10;

  /**
   * @param root the checkout (for services/echo/echo.wasm)
   * @param cases how many cases to run
   * @param seed the seed of the cases
   */
  public record Options(Path root, long cases, long seed) {}

  /** The kinds of case, and the share of the run each takes (in percent). */
  enum Kind {
    // Module cases cost 10 to 40 times a body case (validation, a signature): a small share keeps a million cases
    // within minutes while still running thousands of them.
    RPC_BODY("/rpc body", 42),
    SERVICE_BODY("/services body", 42),
    MUTATED_RECORD("mutated record", 12),
    BAD_MODULE("invalid module", 3),
    REFUSED_RECORD("refused record, valid module", 1);

    final String label;
    final int percent;

    Kind(String label, int percent) {
      this.label = label;
      this.percent = percent;
    }

    static Kind of(long n) {
      int slot = (int) Math.floorMod(n * 37, 100); // spread the kinds evenly over the run
      for (Kind k : values()) {
        if (slot < k.percent) {
          return k;
        }
        slot -= k.percent;
      }
      throw new AssertionError();
    }
  }

  /** Cases, refusals and time of one kind. */
  private static final class Tally {
    long cases;
    long refused;
    long nanos;
  }

  private FuzzBenchmark() {}

  public static int run(PrintStream out, Options o) throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench-fuzz");
    byte[] echoWasm = Files.readAllBytes(o.root().resolve("services/echo/echo.wasm"));
    KeyPair owner = KeyPair.generate();
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(echoWasm)).sign(owner);
    // The owner may own one service, echo: each further record of theirs is refused by a quota.
    try (Node node = Node.start(NodeConfig.builder(dir).listen("127.0.0.1:0").limit(Limit.MAX_SERVICES_PER_KEY, 1)
        .addOffers(List.of(echo.serviceId())).build());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      new NodeClient(node.url()).submit(echo, echoWasm);
      LocalNet.await("echo ready", Duration.ofSeconds(60), () -> node.hosting().ready(echo.serviceId()).isPresent());
      out.printf("bench fuzz: %,d cases from seed %d against one node (its /rpc and /services handlers, echo "
          + "offered), an echo call over HTTP every %,d cases%n%n", o.cases(), o.seed(), HTTP_CHECK_EVERY);
      HostileInputs inputs = new HostileInputs(o.seed(), echoWasm, owner);
      Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);
      for (Kind k : Kind.values()) {
        tallies.put(k, new Tally());
      }
      List<String> findings = Collections.synchronizedList(new ArrayList<>());
      AtomicLong httpChecks = new AtomicLong();
      long start = System.nanoTime();
      for (long n = 0; n < o.cases(); n++) {
        Kind kind = Kind.of(n);
        Tally t = tallies.get(kind);
        long t0 = System.nanoTime();
        String problem;
        boolean refused;
        try {
          Result r = runCase(kind, node, echo.serviceId(), inputs, dir);
          problem = r.problem();
          refused = r.refused();
        } catch (Throwable e) { // a finding, not the end of the run
          problem = "the handler threw " + e;
          refused = false;
        }
        t.nanos += System.nanoTime() - t0;
        t.cases++;
        if (refused) {
          t.refused++;
        }
        if (problem != null) {
          findings.add("case " + n + " (" + kind.label + "): " + problem);
        }
        if ((n + 1) % HTTP_CHECK_EVERY == 0) {
          httpChecks.incrementAndGet();
          echoOverHttp(http, node.url(), echo.serviceId()).ifPresent(p -> findings.add("after the fuzzing: " + p));
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      httpChecks.incrementAndGet();
      echoOverHttp(http, node.url(), echo.serviceId()).ifPresent(p -> findings.add("after the fuzzing: " + p));
      print(out, tallies, o.cases(), seconds, httpChecks.get(), findings);
      return findings.isEmpty() ? 0 : 1;
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** What one case did: whether the node refused it, and what was wrong (null when nothing). */
  record Result(boolean refused, String problem) {}

  private static Result runCase(Kind kind, Node node, String echoId, HostileInputs in, Path dir) throws Exception {
    return switch (kind) {
      case RPC_BODY -> judge(node.rpc().handle(in.body(), null).body());
      case SERVICE_BODY -> judge(node.serviceEndpoint().handle(echoId, in.body()));
      case MUTATED_RECORD -> {
        String record = in.mutatedRecord();
        int services = node.registry().services().size();
        Result r = judge(rpc(node, "{\"record\":" + record + "}"));
        if (r.refused() && r.problem() == null && node.registry().services().size() != services) {
          yield new Result(true, "a refused record was stored: " + record);
        }
        yield r;
      }
      case BAD_MODULE -> {
        byte[] module = in.badModule();
        yield withModule(node, in.recordOf(module), module, dir);
      }
      case REFUSED_RECORD -> {
        byte[] module = in.validModule();
        Result r = withModule(node, in.refusedRecord(module), module, dir);
        yield r.refused() || r.problem() != null ? r : new Result(false, "a record that must be refused was stored");
      }
    };
  }

  private static Result withModule(Node node, ServiceRecord record, byte[] module, Path dir) throws Exception {
    Path file = dir.resolve("modules").resolve(Cid.rawSha256(module).toString());
    boolean before = Files.exists(file);
    Result r = judge(rpc(node, HostileInputs.submission(record, module)));
    if (r.refused() && r.problem() == null && !before) {
      if (Files.exists(file)) {
        return new Result(true, "the module of a refused record was stored: " + file.getFileName());
      }
      if (node.registry().service(record.serviceId()).isPresent()) {
        return new Result(true, "a refused record was stored: " + record.serviceId());
      }
    }
    return r;
  }

  /** The node's reply to {@code tandem_submitRecord} with these params. */
  private static byte[] rpc(Node node, String params) {
    return node.rpc().handle(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tandem_submitRecord\",\"params\":"
        + params + "}").getBytes(StandardCharsets.UTF_8), null).body();
  }

  /** Whether a reply is empty (notifications only) or JSON-RPC answers with known codes and no stack trace. */
  static Result judge(byte[] reply) {
    if (reply.length == 0) {
      return new Result(false, null);
    }
    JsonNode json;
    try {
      json = Json.parse(reply);
    } catch (Exception e) {
      return new Result(false, "the reply is not JSON: " + excerpt(reply));
    }
    boolean refused = false;
    for (JsonNode one : json.isArray() ? json : List.of(json)) {
      if (!"2.0".equals(one.path("jsonrpc").asText())) {
        return new Result(false, "an answer without jsonrpc 2.0: " + excerpt(reply));
      }
      if (one.has("error")) {
        refused = true;
        int code = one.get("error").path("code").asInt();
        String message = one.get("error").path("message").asText();
        if (!KNOWN_CODES.contains(code) && (code < -32029 || code > -32010)) {
          return new Result(true, "unknown error code " + code + ": " + excerpt(reply));
        }
        if (message.contains("\tat dev.") || message.contains("\tat java.")) {
          return new Result(true, "a stack trace in the answer: " + excerpt(reply));
        }
      } else if (!one.has("result")) {
        return new Result(false, "an answer with neither result nor error: " + excerpt(reply));
      }
    }
    return new Result(refused, null);
  }

  private static Optional<String> echoOverHttp(HttpClient http, URI node, String echoId) {
    try {
      HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(node + "/services/" + echoId))
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(
              "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"echo\",\"params\":[1]}")).build(),
          HttpResponse.BodyHandlers.ofString());
      String result = Json.parse(res.body()).path("result").toString();
      return res.statusCode() == 200 && result.equals("[1]") ? Optional.empty()
          : Optional.of("echo over HTTP answered " + res.statusCode() + " " + res.body());
    } catch (Exception e) {
      return Optional.of("echo over HTTP failed: " + e);
    }
  }

  private static String excerpt(byte[] reply) {
    String s = new String(reply, StandardCharsets.UTF_8);
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  private static void print(PrintStream out, Map<Kind, Tally> tallies, long cases, double seconds, long httpChecks,
      List<String> findings) {
    out.println("| kind | cases | refused | µs per case |");
    out.println("|---|---|---|---|");
    for (Kind k : Kind.values()) {
      Tally t = tallies.get(k);
      out.printf("| %s | %,d | %,d | %.1f |%n", k.label, t.cases, t.refused,
          t.cases == 0 ? 0.0 : t.nanos / 1e3 / t.cases);
    }
    out.println();
    out.printf("%,d cases in %.1f s (%,.0f cases/s); echo over HTTP answered %d of %d checks; %d findings%n", cases,
        seconds, cases / seconds, httpChecks - findings.stream().filter(f -> f.startsWith("after")).count(),
        httpChecks, findings.size());
    findings.stream().limit(MAX_FINDINGS_SHOWN).forEach(f -> out.println("  " + f));
    if (findings.size() > MAX_FINDINGS_SHOWN) {
      out.printf("  … and %d more%n", findings.size() - MAX_FINDINGS_SHOWN);
    }
  }
}
