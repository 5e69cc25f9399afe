package dev.tandem.bench.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bench.LocalNet;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.hosting.Preparation;
import dev.tandem.sandbox.LoadTimes;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code tandem bench cold}: how long a node that never saw a module takes from being told to offer it to its first
 * answer: fetch by CID from the service's home, hash check, validation, metering, parsing, the engine's preparation
 * (on a node's tiered Chicory the compilation runs in the background), then the call itself, signed. A home node holds
 * the module (submitted, never run) and serves echo, which is called first so the JVM runs node code and the engine
 * warm, as on a node that has been serving other services; then each round starts a fresh node (its own data folder,
 * sandbox and engine), waits until it has learnt the service record by gossip (not timed), tells it to offer the
 * service and calls it until the first answer comes. Each round prints where the time went, from the fresh node's
 * {@link Preparation} record; then fresh sandboxes in this JVM show the sandbox's part alone, compiled first and tiered.
 */
public final class ColdCallBenchmark {
  /** The target: the first answer within this time. */
  static final double TARGET_MS = 500;

  /**
   * Settings.
   *
   * @param checkout the folder holding {@code services/}
   * @param engine   the WebAssembly engine of every node
   * @param rounds   fresh nodes, one after another
   */
  public record Options(Path checkout, String engine, int rounds) {}

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private ColdCallBenchmark() {}

  /** Runs the rounds and prints a table; returns 0 when the median round met the target, 1 when not, 2 on failure. */
  public static int run(PrintStream out, Options o) throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench-cold");
    List<Integer> ports = LocalNet.freePorts(1 + o.rounds());
    URI homeUrl = URI.create("http://127.0.0.1:" + ports.get(0));
    try (Node home = Node.start(NodeConfig.builder(dir.resolve("home")).listen("127.0.0.1:" + ports.get(0))
        .gossipInterval(Duration.ofMillis(250)).engine(o.engine()).build())) {
      KeyPair owner = KeyPair.generate();
      ServiceRecord echo = submit(home, owner, o.checkout().resolve("services/echo/echo.wasm"), "echo");
      ServiceRecord search = submit(home, owner, o.checkout().resolve("services/search/search.wasm"), "search");
      offer(home, echo);
      URI echoAt = URI.create(homeUrl + "/services/" + echo.serviceId());
      byte[] echoBody = NetworkBenchmark.rpcBody("echo", NetworkBenchmark.echoParams());
      LocalNet.await("the home node to serve echo", Duration.ofSeconds(60), () -> answers(echoAt, echoBody));
      long warm = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      int echoCalls = 0;
      while (System.nanoTime() < warm) {
        answers(echoAt, echoBody);
        echoCalls++;
      }
      out.printf(Locale.ROOT, "Cold call: search (%,d bytes) on fresh nodes, engine %s; the home node holds the module "
          + "and answered %,d echo calls first%n", Files.size(o.checkout().resolve("services/search/search.wasm")),
          o.engine(), echoCalls);
      out.printf(Locale.ROOT, "JVM %s on %d cores; %s%n%n", Runtime.version(), Runtime.getRuntime()
          .availableProcessors(), loadAverage());
      byte[] query = NetworkBenchmark.rpcBody("query", NetworkBenchmark.searchParams());
      double[] ms = new double[o.rounds()];
      out.println("| round | offer → first signed answer, ms | offer → picked up | fetch | validate | meter | parse "
          + "| prepare | check | ready → answer | second call | stored, after ready | compiled (GraalWasm: calls moved to it or stay on Chicory), after ready |");
      out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (int r = 0; r < o.rounds(); r++) {
        int port = ports.get(1 + r);
        try (Node fresh = Node.start(NodeConfig.builder(dir.resolve("cold" + r)).listen("127.0.0.1:" + port)
            .addPeers(List.of(homeUrl)).gossipInterval(Duration.ofMillis(250)).engine(o.engine()).build())) {
          LocalNet.await("a fresh node to learn of search", Duration.ofSeconds(60),
              () -> fresh.registry().service(search.serviceId()).isPresent());
          URI at = URI.create("http://127.0.0.1:" + port + "/services/" + search.serviceId());
          long t0 = System.nanoTime();
          offer(fresh, search);
          long deadline = t0 + Duration.ofSeconds(120).toNanos();
          while (!answers(at, query)) {
            if (System.nanoTime() > deadline) {
              out.println("no answer within 120 s: " + fresh.hosting().states());
              return 2;
            }
            Thread.sleep(2);
          }
          long answered = System.nanoTime();
          ms[r] = (answered - t0) / 1e6;
          long t1 = System.nanoTime();
          answers(at, query);
          double second = (System.nanoTime() - t1) / 1e6;
          LocalNet.await("the fresh node to store the module", Duration.ofSeconds(60),
              () -> fresh.hosting().preparation(search.serviceId()).map(p -> p.stored() != 0).orElse(false));
          Preparation p = fresh.hosting().preparation(search.serviceId()).orElseThrow();
          LoadTimes l = p.load();
          out.printf(Locale.ROOT, "| %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s |%n",
              r + 1, ms[r], ms(t0, p.started()), ms(p.started(), p.fetched()), l.validateNanos() / 1e6,
              l.meterNanos() / 1e6, l.parseNanos() / 1e6, l.prepareNanos() / 1e6, l.checkNanos() / 1e6,
              ms(p.ready(), answered), second, ms(p.ready(), p.stored()),
              !"interpreter".equals(p.tier()) ? "– (" + p.tier() + ")" : p.compiled() == 0 ? "not yet"
                  : String.format(Locale.ROOT, "%.1f", ms(p.ready(), p.compiled())));
        }
      }
      breakdown(out, o);
      double[] sorted = ms.clone();
      Arrays.sort(sorted);
      double median = sorted[sorted.length / 2];
      out.println();
      out.printf(Locale.ROOT, "| target | first round | median | limit | ratio |%n|---|---:|---:|---:|---:|%n");
      out.printf(Locale.ROOT, "| cold call, offer → first answer (%s) | %.0f ms | %.0f ms | %.0f ms | %.2f× |%n",
          o.engine(), ms[0], median, TARGET_MS, median / TARGET_MS);
      return median <= TARGET_MS ? 0 : 1;
    } finally {
      NetworkBenchmark.deleteTree(dir);
    }
  }

  private static double ms(long from, long to) {
    return (to - from) / 1e6;
  }

  /**
   * The sandbox's part alone, in this (warm) JVM with fresh sandboxes on the engine: loading the module compiled
   * before it is ready (as a sandbox does by default) and tiered (as a node does), and the calls after each.
   */
  private static void breakdown(PrintStream out, Options o) throws Exception {
    byte[] wasm = Files.readAllBytes(o.checkout().resolve("services/search/search.wasm"));
    ObjectNode call = Json.object();
    call.put("method", "query");
    call.set("params", NetworkBenchmark.searchParams());
    byte[] request = dev.tandem.core.json.Jcs.canonicalize(call);
    var limits = dev.tandem.sandbox.Limits.defaults().withTimeout(Duration.ofSeconds(120));
    out.println();
    out.printf(Locale.ROOT, "The sandbox alone (this JVM, fresh %s sandboxes, ms):%n%n", o.engine());
    out.println("| load | load in all | of which | first call | second call | compiled (GraalWasm: calls moved to it or stay on Chicory) "
        + "after the load |");
    out.println("|---|---:|---|---:|---:|---:|");
    for (boolean tiered : new boolean[] {false, true}) {
      try (Sandbox sandbox = Sandbox.builder().engine(o.engine()).tiered(tiered).build()) {
        long t0 = System.nanoTime();
        ServiceModule module = sandbox.load("search", wasm, dev.tandem.sandbox.Abi.TANDEM_V1);
        long t1 = System.nanoTime();
        var compiledAt = module.settled().toCompletableFuture().thenApply(v -> System.nanoTime());
        String tier = module.tier();
        String first = sandbox.call(module, request, limits).label();
        long t2 = System.nanoTime();
        String secondTier = module.tier();
        sandbox.call(module, request, limits);
        long t3 = System.nanoTime();
        long t4 = compiledAt.get(120, java.util.concurrent.TimeUnit.SECONDS);
        out.printf(Locale.ROOT, "| %s | %.1f | %s | %.1f (%s, %s) | %.1f (%s) | %s |%n",
            tiered ? "tiered (a node)" : "compiled first", ms(t0, t1), module.loadTimes(), ms(t1, t2), tier, first,
            ms(t2, t3), secondTier, "interpreter".equals(tier) ? String.format(Locale.ROOT, "%.1f", ms(t1, t4)) : "–");
      }
    }
  }

  /** Stores the module and its record at {@code home} (checked there, never run). */
  private static ServiceRecord submit(Node home, KeyPair owner, Path module, String name) throws Exception {
    byte[] wasm = Files.readAllBytes(module);
    ServiceRecord record = ServiceRecord.builder().name(name).module(Cid.rawSha256(wasm)).home(home.url())
        .sign(owner);
    new NodeClient(home.url()).submit(record, wasm);
    return record;
  }

  private static void offer(Node node, ServiceRecord record) throws Exception {
    ObjectNode p = Json.object();
    p.put("service", record.serviceId());
    String token = Files.readString(node.config().dataDir().resolve("admin.token")).trim();
    new NodeClient(node.url(), token).rpc("tandem_offer", p);
  }

  /** One call; whether it came back as a result (not an error such as "not offered yet"). */
  private static boolean answers(URI uri, byte[] body) {
    try {
      HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (res.statusCode() != 200) {
        return false;
      }
      JsonNode answer = Json.parse(res.body());
      return answer.has("result") && answer.has("tandem");
    } catch (Exception e) {
      return false;
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return "load average at start: " + f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "load average: unknown";
    }
  }
}
