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
 * answer: fetch by CID from the service's home, hash check, validation, metering, compilation (or preparation by the
 * engine), then the call itself, signed. A home node holds the module (submitted, never run) and serves echo, which is
 * called first so the JVM runs node code and the engine warm, as on a node that has been serving other services;
 * then each round starts a fresh node (its own data folder, sandbox and engine), waits until it has learnt the
 * service record by gossip (not timed), tells it to offer the service and calls it until the first answer comes.
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
      out.println("| round | offer → first signed answer, ms | second call, ms |");
      out.println("|---:|---:|---:|");
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
          ms[r] = (System.nanoTime() - t0) / 1e6;
          long t1 = System.nanoTime();
          answers(at, query);
          out.printf(Locale.ROOT, "| %d | %.0f | %.1f |%n", r + 1, ms[r], (System.nanoTime() - t1) / 1e6);
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

  /**
   * Where a cold call's time goes, in this (warm) JVM with a fresh sandbox on the engine: validation, metering, the
   * rest of loading (the engine's compilation or preparation, and the load-time instantiation check), the first
   * call and a second one. Fetching is what remains of the node's figure.
   */
  private static void breakdown(PrintStream out, Options o) throws Exception {
    byte[] wasm = Files.readAllBytes(o.checkout().resolve("services/search/search.wasm"));
    ObjectNode call = Json.object();
    call.put("method", "query");
    call.set("params", NetworkBenchmark.searchParams());
    byte[] request = dev.tandem.core.json.Jcs.canonicalize(call);
    long t0 = System.nanoTime();
    dev.tandem.sandbox.ModuleValidator.validate(wasm, dev.tandem.sandbox.Abi.TANDEM_V1);
    long t1 = System.nanoTime();
    dev.tandem.sandbox.Sandbox.metered(wasm);
    long t2 = System.nanoTime();
    try (dev.tandem.sandbox.Sandbox sandbox = dev.tandem.sandbox.Sandbox.builder().engine(o.engine()).build()) {
      long t3 = System.nanoTime();
      var module = sandbox.load("search", wasm, dev.tandem.sandbox.Abi.TANDEM_V1);
      long t4 = System.nanoTime();
      var limits = dev.tandem.sandbox.Limits.defaults().withTimeout(Duration.ofSeconds(120));
      String first = sandbox.call(module, request, limits).label();
      long t5 = System.nanoTime();
      sandbox.call(module, request, limits);
      long t6 = System.nanoTime();
      out.println();
      out.printf(Locale.ROOT, "Where it goes (this JVM, a fresh %s sandbox, ms): validate %.0f, meter %.0f, load in "
          + "all %.0f (validate + meter + compile + instantiation check), first call %.0f (%s), second call %.1f%n",
          o.engine(), (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t4 - t3) / 1e6, (t5 - t4) / 1e6, first, (t6 - t5) / 1e6);
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
