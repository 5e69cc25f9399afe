package dev.tandem.bench.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bench.LocalNet;
import dev.tandem.client.NodeClient;
import dev.tandem.client.ServiceHandle;
import dev.tandem.client.TandemClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.Signing;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.io.IOException;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tandem bench network}: what verification costs on a local network, and how many signed answers one node
 * gives per second.
 *
 * <ol>
 *   <li>Direct vs verified: the same calls made directly to one node (one HTTP request, nothing checked) and through
 *       the client SDK (two nodes asked in parallel, attestations checked, answers compared by the verifier), first
 *       by one caller (latency), then by several (throughput); and in adaptive mode, where a proven server answers
 *       alone and one call in {@value #SPOT_CHECK_EVERY} is verified in full.
 *   <li>One node's ceiling: a closed loop of callers on {@code echo} at one node, every answer signed; measured by a
 *       Java load generator and, when installed, by {@code wrk}.
 * </ol>
 * All nodes, the client and the load generator share this machine's cores, so the numbers are a floor for a real
 * deployment, where each node has its own.
 */
public final class NetworkBenchmark {
  /**
   * Settings.
   *
   * @param checkout the folder holding {@code services/}
   * @param nodes    nodes in the local network (≥ 2)
   * @param seconds  length of each measurement
   * @param threads  callers of the throughput measurements
   * @param wrk      also measure with {@code wrk} when it is on the PATH
   * @param engine   the WebAssembly engine every node runs services on ({@code chicory}, {@code graalwasm})
   */
  public record Options(Path checkout, int nodes, int seconds, int threads, boolean wrk, String engine) {
    /** On the default engine. */
    public Options(Path checkout, int nodes, int seconds, int threads, boolean wrk) {
      this(checkout, nodes, seconds, threads, wrk, dev.tandem.sandbox.Engines.DEFAULT);
    }
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /** Adaptive mode in the benchmark: one call in this many is verified in full. */
  static final int SPOT_CHECK_EVERY = 10;
  private static final String SPOT_CHECKED = "spot-checked 1 in " + SPOT_CHECK_EVERY + ", 2 nodes";

  /**
   * Two direct calls at once, to two nodes, nothing checked: the floor under any call that asks two servers on this
   * machine, so that the cost of verification itself shows apart from the cost of a second request.
   */
  private static final String TWO_AT_ONCE = "two direct at once, 2 nodes";

  /** One row of the results table. */
  record Row(String call, String service, LoadLoop.Stats stats) {}

  private NetworkBenchmark() {}

  public static int run(PrintStream out, Options o) throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench-network");
    List<Node> nodes = new ArrayList<>();
    try {
      List<URI> urls = startNodes(dir, o.nodes(), nodes, o.engine());
      ServiceRecord[] both = registerEchoAndSearch(nodes, o.checkout());
      ServiceRecord echo = both[0];
      ServiceRecord search = both[1];

      out.printf(Locale.ROOT, "Network benchmark: %d nodes on 127.0.0.1 (engine %s), %d s per measurement, %d "
          + "callers for throughput%n", o.nodes(), o.engine(), o.seconds(), o.threads());
      out.printf(Locale.ROOT, "JVM %s on %d cores (nodes, client and load generator share them); signing with %s%n%n",
          Runtime.version(), Runtime.getRuntime().availableProcessors(), Signing.implementation());

      Duration len = Duration.ofSeconds(o.seconds());
      URI node0 = nodes.get(0).url();
      List<Row> rows = new ArrayList<>();
      // Adaptive mode: proven servers answer alone, one call in SPOT_CHECK_EVERY is verified in full. The warm-up
      // makes every node proven at this client.
      try (TandemClient client = TandemClient.builder().bootstrap(urls).minRequests(2)
          .refreshInterval(Duration.ofSeconds(5)).seed(7).build();
          TandemClient spotChecking = TandemClient.builder().bootstrap(urls).minRequests(2)
              .spotCheck(1.0 / SPOT_CHECK_EVERY).refreshInterval(Duration.ofSeconds(5)).seed(8).build()) {
        for (ServiceRecord svc : List.of(echo, search)) {
          ServiceHandle handle = client.service(svc.serviceId());
          ServiceHandle spotHandle = spotChecking.service(svc.serviceId());
          String method = svc == echo ? "echo" : "query";
          ObjectNode params = svc == echo ? echoParams() : searchParams();
          byte[] body = rpcBody(method, params);
          URI direct = URI.create(node0 + "/services/" + svc.serviceId());
          checkSigned(direct, body);
          URI second = URI.create(nodes.get(1).url() + "/services/" + svc.serviceId());
          LoadLoop.Op directOp = () -> post(direct, body);
          LoadLoop.Op pairOp = () -> postBoth(direct, second, body);
          LoadLoop.Op verifiedOp = () -> handle.call(method, params);
          LoadLoop.Op spotOp = () -> spotHandle.call(method, params);
          Duration warmUp = Duration.ofMillis(Math.min(2000, len.toMillis()));
          LoadLoop.run(2, warmUp, directOp); // warm up the JIT
          LoadLoop.run(2, warmUp, pairOp);
          LoadLoop.run(2, warmUp, verifiedOp);
          LoadLoop.run(2, warmUp, spotOp);
          for (int callers : o.threads() == 1 ? List.of(1) : List.of(1, o.threads())) {
            out.printf(Locale.ROOT, "measuring %s, %d caller%s …%n", svc.name(), callers, callers == 1 ? "" : "s");
            rows.add(new Row("direct, 1 node", svc.name(), LoadLoop.run(callers, len, directOp)));
            rows.add(new Row(TWO_AT_ONCE, svc.name(), LoadLoop.run(callers, len, pairOp)));
            rows.add(new Row("verified, 2 nodes", svc.name(), LoadLoop.run(callers, len, verifiedOp)));
            rows.add(new Row(SPOT_CHECKED, svc.name(), LoadLoop.run(callers, len, spotOp)));
          }
        }
      }
      out.println();
      printComparison(out, rows);

      // One node's ceiling: echo with signed answers, as many callers as asked.
      ServiceRecord svc = echo;
      URI target = URI.create(node0 + "/services/" + svc.serviceId());
      byte[] body = rpcBody("echo", echoParams());
      out.printf(Locale.ROOT, "%nmeasuring one node's throughput on echo …%n");
      LoadLoop.Stats java = LoadLoop.run(o.threads(), len, () -> post(target, body));
      Optional<WrkResult> wrk = o.wrk() ? wrk(target, body, o.threads(), o.seconds()) : Optional.empty();
      out.println();
      out.println("One node, echo, every answer signed (Ed25519), closed loop:");
      out.println();
      out.println("| load generator | connections | answers/s | p50 ms | p99 ms |");
      out.println("|---|---:|---:|---:|---:|");
      out.printf(Locale.ROOT, "| Java HttpClient | %d | %,.0f | %.2f | %.2f |%n", o.threads(), java.perSecond(),
          java.ms(0.5), java.ms(0.99));
      wrk.ifPresent(w -> out.printf(Locale.ROOT, "| wrk (2 threads) | %d | %,.0f | %.2f | %.2f |%n", o.threads(),
          w.perSecond(), w.p50ms(), w.p99ms()));
      if (o.wrk() && wrk.isEmpty()) {
        out.println("(wrk not found on the PATH: only the Java load generator ran)");
      }
      long errors = rows.stream().mapToLong(r -> r.stats().errors()).sum() + java.errors();
      if (errors > 0) {
        out.printf(Locale.ROOT, "%n%d calls failed; first: %s%n", errors, rows.stream().map(r -> r.stats().firstError())
            .filter(e -> e != null).findFirst().orElse(java.firstError()));
        return 1;
      }
      return 0;
    } finally {
      for (Node n : nodes.reversed()) {
        n.close();
      }
      deleteTree(dir);
    }
  }

  /** Starts {@code n} nodes on 127.0.0.1, each with the others as peers, into {@code nodes}; returns their URLs. */
  static List<URI> startNodes(Path dir, int n, List<Node> nodes) throws Exception {
    return startNodes(dir, n, nodes, dev.tandem.sandbox.Engines.DEFAULT);
  }

  /** The same, with services run on {@code engine}. */
  static List<URI> startNodes(Path dir, int n, List<Node> nodes, String engine) throws Exception {
    List<Integer> ports = LocalNet.freePorts(n);
    List<URI> urls = ports.stream().map(p -> URI.create("http://127.0.0.1:" + p)).toList();
    for (int i = 0; i < n; i++) {
      List<URI> peers = new ArrayList<>(urls);
      peers.remove(i);
      nodes.add(Node.start(NodeConfig.builder(dir.resolve("n" + i)).listen("127.0.0.1:" + ports.get(i))
          .addPeers(peers).gossipInterval(Duration.ofMillis(250)).maxConcurrentCallsPerService(256).engine(engine)
          .build()));
    }
    return urls;
  }

  /** Registers echo and search through the first node and has every node offer both; returns their records. */
  static ServiceRecord[] registerEchoAndSearch(List<Node> nodes, Path checkout) throws Exception {
    KeyPair owner = KeyPair.generate();
    ServiceRecord echo = register(nodes, owner, checkout.resolve("services/echo/echo.wasm"), "echo");
    ServiceRecord search = register(nodes, owner, checkout.resolve("services/search/search.wasm"), "search");
    LocalNet.await("every node to offer echo and search", Duration.ofSeconds(90), () -> nodes.stream()
        .allMatch(n -> nodes.stream().allMatch(m -> n.registry().server(m.publicKey())
            .map(s -> s.offers().containsAll(List.of(echo.serviceId(), search.serviceId()))).orElse(false))));
    return new ServiceRecord[] {echo, search};
  }

  private static void printComparison(PrintStream out, List<Row> rows) {
    out.println("Direct call to one node (no verification) vs verified call (minRequests 2, both asked in parallel, "
        + "attestations checked) vs adaptive mode (spotCheck " + 1.0 / SPOT_CHECK_EVERY + ": a proven server alone, "
        + "its attestation checked, one call in " + SPOT_CHECK_EVERY + " verified in full):");
    out.println();
    out.println("| service | call | callers | calls/s | p50 ms | p99 ms |");
    out.println("|---|---|---:|---:|---:|---:|");
    for (Row r : rows) {
      out.printf(Locale.ROOT, "| %s | %s | %d | %,.0f | %.2f | %.2f |%n", r.service(), r.call(), r.stats().callers(),
          r.stats().perSecond(), r.stats().ms(0.5), r.stats().ms(0.99));
    }
    out.println();
    out.println("Verified ÷ direct and spot-checked ÷ direct; and two direct calls at once ÷ direct, the floor under "
        + "any call that asks two servers on this machine:");
    out.println();
    out.println("| service | call | callers | latency p50 | latency p99 | throughput |");
    out.println("|---|---|---:|---:|---:|---:|");
    for (int i = 0; i + 3 < rows.size(); i += 4) {
      LoadLoop.Stats d = rows.get(i).stats();
      for (Row r : List.of(rows.get(i + 2), rows.get(i + 3), rows.get(i + 1))) {
        LoadLoop.Stats v = r.stats();
        out.printf(Locale.ROOT, "| %s | %s | %d | %.2f× | %.2f× | %.2f× |%n", r.service(),
            r.call().substring(0, r.call().indexOf(',')), d.callers(), v.ms(0.5) / d.ms(0.5),
            v.ms(0.99) / d.ms(0.99), v.perSecond() / d.perSecond());
      }
    }
  }

  private static ServiceRecord register(List<Node> nodes, KeyPair owner, Path module, String name) throws Exception {
    byte[] wasm = Files.readAllBytes(module);
    ServiceRecord record = ServiceRecord.builder().name(name).module(Cid.rawSha256(wasm)).home(nodes.get(0).url())
        .sign(owner);
    new NodeClient(nodes.get(0).url()).submit(record, wasm);
    for (Node n : nodes) {
      ObjectNode p = Json.object();
      p.put("service", record.serviceId());
      String token = Files.readString(n.config().dataDir().resolve("admin.token")).trim();
      LocalNet.await("node " + n.url() + " to learn of " + name, Duration.ofSeconds(30),
          () -> n.registry().service(record.serviceId()).isPresent());
      new NodeClient(n.url(), token).rpc("tandem_offer", p);
    }
    return record;
  }

  static ObjectNode echoParams() {
    ObjectNode p = Json.object();
    p.put("msg", "hello");
    p.put("n", 42);
    return p;
  }

  static ObjectNode searchParams() {
    ObjectNode p = Json.object();
    p.put("q", "sqlite database");
    p.put("limit", 3);
    return p;
  }

  static byte[] rpcBody(String method, JsonNode params) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.put("id", 1);
    r.put("method", method);
    r.set("params", params);
    return r.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] post(URI uri, byte[] body) throws IOException, InterruptedException {
    HttpResponse<byte[]> res;
    try {
      res = HTTP.send(request(uri, body), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      if (!dev.tandem.core.rpc.Transport.closedBeforeAnswering(e)) {
        throw e;
      }
      res = HTTP.send(request(uri, body), HttpResponse.BodyHandlers.ofByteArray()); // as the SDK's transport does
    }
    if (res.statusCode() != 200) {
      throw new IOException("HTTP " + res.statusCode());
    }
    return res.body();
  }

  /** Two direct calls sent at once; returns when both have answered. */
  private static void postBoth(URI first, URI second, byte[] body) throws Exception {
    var a = HTTP.sendAsync(request(first, body), HttpResponse.BodyHandlers.ofByteArray());
    var b = HTTP.sendAsync(request(second, body), HttpResponse.BodyHandlers.ofByteArray());
    for (HttpResponse<byte[]> res : List.of(a.get(10, TimeUnit.SECONDS), b.get(10, TimeUnit.SECONDS))) {
      if (res.statusCode() != 200) {
        throw new IOException("HTTP " + res.statusCode());
      }
    }
  }

  private static HttpRequest request(URI uri, byte[] body) {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  /** The direct call is measured as is; this checks once that it is what a node really serves: a signed answer. */
  private static void checkSigned(URI uri, byte[] body) throws Exception {
    JsonNode answer = Json.parse(post(uri, body));
    if (!answer.has("result") || !Attestation.fromJson(answer.get("tandem")).verifies()) {
      throw new IllegalStateException("the node did not answer with a signed result: " + answer);
    }
  }

  /** What wrk measured. */
  record WrkResult(double perSecond, double p50ms, double p99ms) {}

  private static Optional<WrkResult> wrk(URI target, byte[] body, int connections, int seconds) throws Exception {
    Path wrk = Optional.ofNullable(System.getenv("PATH")).stream()
        .flatMap(p -> java.util.Arrays.stream(p.split(java.io.File.pathSeparator)))
        .map(d -> Path.of(d, "wrk")).filter(Files::isExecutable).findFirst().orElse(null);
    if (wrk == null) {
      return Optional.empty();
    }
    Path script = Files.createTempFile("tandem-wrk", ".lua");
    try {
      String json = new String(body, StandardCharsets.UTF_8).replace("\\", "\\\\").replace("'", "\\'");
      Files.writeString(script, "wrk.method = 'POST'\nwrk.body = '" + json + "'\n"
          + "wrk.headers['Content-Type'] = 'application/json'\n");
      Process p = new ProcessBuilder(wrk.toString(), "-t2", "-c" + Math.max(2, connections), "-d" + seconds + "s",
          "--latency", "-s", script.toString(), target.toString()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
      if (!rps.find()) {
        return Optional.empty();
      }
      return Optional.of(new WrkResult(Double.parseDouble(rps.group(1)), wrkPercentile(output, "50"),
          wrkPercentile(output, "99")));
    } finally {
      Files.deleteIfExists(script);
    }
  }

  /** A percentile line of wrk's {@code --latency} table, e.g. {@code 99%  3.21ms}, in milliseconds. */
  static double wrkPercentile(String output, String pct) {
    Matcher m = Pattern.compile("^\\s*" + pct + "%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE).matcher(output);
    if (!m.find()) {
      return Double.NaN;
    }
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> v / 1000;
      case "s" -> v * 1000;
      default -> v;
    };
  }

  static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
