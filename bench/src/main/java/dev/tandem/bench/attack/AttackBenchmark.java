package dev.tandem.bench.attack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TandemClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.io.PrintStream;
import java.net.Socket;
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
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * {@code tandem bench attack}: what honest callers see while a stranger attacks a node. Two nodes on 127.0.0.1 with
 * their default limits offer echo; an honest caller makes verified calls and asks for {@code /health}, first in quiet,
 * then during each attack, which comes from 127.0.0.2: slow bodies (slowloris), evidence spam, registry spam, evidence
 * of services whose modules are dear to load (100,000 empty functions each, a fresh one every time), and a flood of
 * calls. The table sets each phase against the quiet one.
 */
public final class AttackBenchmark {
  /**
   * @param root the checkout (for services/echo/echo.wasm)
   * @param seconds length of each phase
   * @param slowConnections connections the slowloris phase opens
   * @param threads attacker threads of the spam and flood phases
   */
  public record Options(Path root, int seconds, int slowConnections, int threads) {}

  /** What the honest caller saw in one phase. */
  record Seen(String phase, List<Long> callMs, List<Long> healthMs, int failures, String attacker, double seconds) {
    double perSecond() {
      return callMs.size() / seconds;
    }

    static long p(List<Long> ms, double q) {
      if (ms.isEmpty()) {
        return -1;
      }
      List<Long> sorted = new ArrayList<>(ms);
      Collections.sort(sorted);
      return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * q) - 1));
    }
  }

  private AttackBenchmark() {}

  public static int run(PrintStream out, Options o) throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench-attack");
    byte[] wasm = Files.readAllBytes(o.root().resolve("services/echo/echo.wasm"));
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        NodeConfig.Builder b = NodeConfig.builder(dir.resolve("n" + i)).listen("127.0.0.1:0")
            .gossipInterval(Duration.ofMillis(250)).addOffers(List.of(echo.serviceId()));
        if (i > 0) {
          b.addPeers(List.of(nodes.getFirst().url()));
        }
        nodes.add(Node.start(b.build()));
      }
      new NodeClient(nodes.getFirst().url()).submit(echo, wasm);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!nodes.stream().allMatch(n -> n.hosting().ready(echo.serviceId()).isPresent()
          && n.registry().servers().size() == 2)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("echo did not become ready on both nodes within 60 s");
        }
        Thread.sleep(20);
      }
      URI target = nodes.getFirst().url();
      out.printf("bench attack: 2 nodes on 127.0.0.1 (default limits), an honest caller making verified echo calls "
          + "and /health requests for %d s per phase; the attacker on %s aims at %s%n%n", o.seconds(),
          Attacker.ADDRESS, target);
      List<Seen> seen = new ArrayList<>();
      try (TandemClient client = TandemClient.builder().bootstrap(List.of(target)).build();
          HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(2)).build()) {
        client.service("echo").call("echo", Json.parse("{\"warm\":true}"));
        seen.add(phase("quiet", o, client, http, target, stop -> "-"));
        seen.add(phase("slowloris", o, client, http, target, stop -> slowloris(target, o.slowConnections(), stop)));
        seen.add(phase("evidence spam", o, client, http, target, stop -> flood(target, o.threads(), stop,
            a -> a.post("/rpc", "tandem_submitEvidence", Attacker.selfConvicting(echo.serviceId(), 16_000)))));
        seen.add(phase("registry spam", o, client, http, target, stop -> flood(target, o.threads(), stop,
            a -> a.post("/rpc", "tandem_submitRecord", Attacker.spamRecord(1000)))));
        seen.add(phase("heavy modules", o, client, http, target, stop -> flood(target, o.threads(), stop, a -> {
          Object[] heavy = Attacker.heavyService(100_000);
          a.post("/rpc", "tandem_submitRecord", (JsonNode) heavy[0]);
          a.post("/rpc", "tandem_submitEvidence", Attacker.selfConvicting((String) heavy[1], 100));
        })));
        JsonNode one = Json.parse("[1]");
        seen.add(phase("call flood", o, client, http, target, stop -> flood(target, o.threads() * 8, stop,
            a -> a.post("/services/" + echo.serviceId(), "echo", one))));
      }
      print(out, seen);
      return seen.stream().anyMatch(s -> s.callMs().isEmpty()) ? 1 : 0;
    } finally {
      for (Node n : nodes.reversed()) {
        n.close();
      }
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Runs the attack while the honest caller measures; the attack returns its own summary once told to stop. */
  private static Seen phase(String name, Options o, TandemClient client, HttpClient http, URI node,
      Function<AtomicBoolean, String> attack) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService attacker = Executors.newSingleThreadExecutor();
    var summary = attacker.submit(() -> attack.apply(stop));
    Thread.sleep(name.equals("quiet") ? 0 : 1000); // the attack is under way before measuring
    List<Long> calls = new ArrayList<>();
    List<Long> health = new ArrayList<>();
    int failures = 0;
    JsonNode params = Json.parse("{\"honest\":true}");
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(o.seconds()).toNanos();
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      try {
        if (!params.equals(client.service("echo").call("echo", params))) {
          failures++;
        }
      } catch (Exception e) {
        failures++;
      }
      calls.add((System.nanoTime() - t0) / 1_000_000);
      long t1 = System.nanoTime();
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(node + "/health"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        failures += r.statusCode() == 200 ? 0 : 1;
      } catch (Exception e) {
        failures++;
      }
      health.add((System.nanoTime() - t1) / 1_000_000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    String said = summary.get(60, TimeUnit.SECONDS);
    attacker.shutdownNow();
    return new Seen(name, calls, health, failures, said, seconds);
  }

  /** {@code threads} attacker threads repeating {@code request} until stopped. */
  private static String flood(URI node, int threads, AtomicBoolean stop,
      java.util.function.Consumer<Attacker> request) {
    Attacker attacker = new Attacker(node);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    for (int i = 0; i < threads; i++) {
      pool.execute(() -> {
        while (!stop.get()) {
          request.accept(attacker);
        }
      });
    }
    pool.shutdown();
    try {
      pool.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return attacker.summary();
  }

  /** Holds {@code count} connections that declare a 100,000-byte body and send a byte a second. */
  private static String slowloris(URI node, int count, AtomicBoolean stop) {
    Attacker attacker = new Attacker(node);
    List<Socket> sockets = new ArrayList<>();
    int refused = 0;
    try {
      for (int i = 0; i < count; i++) {
        try {
          Socket s = attacker.open();
          s.getOutputStream().write(("POST /rpc HTTP/1.1\r\nHost: " + node.getHost() + "\r\nContent-Type: "
              + "application/json\r\nContent-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
          sockets.add(s);
        } catch (Exception e) {
          refused++;
        }
      }
      while (!stop.get()) {
        for (Socket s : sockets) {
          try {
            s.getOutputStream().write(' ');
          } catch (Exception closed) {
            // the node closed it
          }
        }
        Thread.sleep(1000);
      }
      int open = 0;
      for (Socket s : sockets) {
        open += stillOpen(s) ? 1 : 0;
      }
      return count + " slow bodies: " + open + " still open, " + (sockets.size() - open) + " closed by the node"
          + (refused > 0 ? ", " + refused + " not connected" : "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } finally {
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (Exception ignored) {
          // closing anyway
        }
      }
    }
  }

  private static boolean stillOpen(Socket s) {
    try {
      s.setSoTimeout(20);
      return s.getInputStream().read() >= 0;
    } catch (java.net.SocketTimeoutException e) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** Markdown tables, so that {@code --json} turns them into rows. */
  private static void print(PrintStream out, List<Seen> seen) {
    Seen quiet = seen.getFirst();
    out.println("| phase | calls/s | vs quiet | p50 ms | p99 ms | p99 ratio | health p99 ms | failed |");
    out.println("|---|---|---|---|---|---|---|---|");
    for (Seen s : seen) {
      long p99 = Seen.p(s.callMs(), 0.99);
      out.printf("| %s | %.1f | %.2f× | %d | %d | %.2f× | %d | %d |%n", s.phase(), s.perSecond(),
          s.perSecond() / quiet.perSecond(), Seen.p(s.callMs(), 0.5), p99,
          (double) p99 / Math.max(1, Seen.p(quiet.callMs(), 0.99)), Seen.p(s.healthMs(), 0.99), s.failures());
    }
    out.println();
    out.println("What the attacker got (answers by kind; -32008 quota refusals, -32000/503 overloaded):");
    out.println("| phase | attacker's answers |");
    out.println("|---|---|");
    for (Seen s : seen.subList(1, seen.size())) {
      out.printf("| %s | %s |%n", s.phase(), s.attacker());
    }
  }
}
