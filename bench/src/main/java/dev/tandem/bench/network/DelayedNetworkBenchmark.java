package dev.tandem.bench.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.ServiceHandle;
import dev.tandem.client.TandemClient;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Attestation;
import dev.tandem.node.Node;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * {@code tandem bench network --rtt-ms R --jitter-ms J}: direct, verified and hedged calls over an emulated network
 * ({@link DelayedTransport}: every request's round trip gains {@code R ± J} ms), by a few callers making one call
 * after another, and verified ÷ direct at p50 and p99.
 *
 * <ul>
 *   <li><b>direct</b>: one request to one node, the answer taken as is;
 *   <li><b>verified</b>: the client SDK with {@code minRequests} 2: two nodes asked at once, both attestations
 *       checked, the answers compared;
 *   <li><b>hedged</b>: the same with {@code extraRequests(1)}: three nodes asked at once, the first two answers that
 *       agree taken, the third cancelled.
 * </ul>
 * With network delay the slowest of two round trips sets a verified call's time, which is why it is slower than a
 * direct call at the median; a hedged call waits for the second fastest of three, which is as fast as one at the
 * median and faster in the tail.
 */
public final class DelayedNetworkBenchmark {
  /**
   * Settings.
   *
   * @param checkout the folder holding {@code services/}
   * @param nodes    nodes in the local network (hedging needs 3)
   * @param seconds  length of each measurement
   * @param callers  concurrent callers
   * @param rttMs    added round trip, milliseconds
   * @param jitterMs how far one round trip may lie from it, milliseconds
   * @param extra    servers a hedged call asks beyond the two it needs (the client's {@code extraRequests})
   */
  public record Options(Path checkout, int nodes, int seconds, int callers, int rttMs, int jitterMs, int extra) {
    /** Hedged calls ask one server more than they need. */
    public Options(Path checkout, int nodes, int seconds, int callers, int rttMs, int jitterMs) {
      this(checkout, nodes, seconds, callers, rttMs, jitterMs, 1);
    }

    public Options {
      if (extra < 1) {
        throw new IllegalArgumentException("extra must be at least 1");
      }
      nodes = Math.max(nodes, 2 + extra);
    }
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  record Row(String service, String call, LoadLoop.Stats stats) {}

  private DelayedNetworkBenchmark() {}

  public static int run(PrintStream out, Options o) throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench-network");
    List<Node> nodes = new ArrayList<>();
    Duration rtt = Duration.ofMillis(o.rttMs());
    try (DelayedTransport net = new DelayedTransport(Transport.http(HTTP), rtt, Duration.ofMillis(o.jitterMs()), 1)) {
      List<URI> urls = NetworkBenchmark.startNodes(dir, o.nodes(), nodes);
      ServiceRecord[] services = NetworkBenchmark.registerEchoAndSearch(nodes, o.checkout());
      out.printf(Locale.ROOT, "Network benchmark over an emulated network: %d nodes on 127.0.0.1, every round trip "
          + "+%d ± %d ms (uniform), %d callers, %d s per measurement%n", o.nodes(), o.rttMs(), o.jitterMs(),
          o.callers(), o.seconds());
      out.printf(Locale.ROOT, "JVM %s on %d cores (nodes and client share them)%n%n", Runtime.version(),
          Runtime.getRuntime().availableProcessors());
      Duration len = Duration.ofSeconds(o.seconds());
      URI node0 = nodes.get(0).url();
      List<Row> rows = new ArrayList<>();
      // Records are pulled once, before the clock starts: a refresh in the middle would cost a call a round trip.
      UnaryOperator<TandemClient.Builder> common = b -> b.bootstrap(urls).transport(net).minRequests(2)
          .refreshInterval(Duration.ofHours(1)).evidenceFeed(false);
      try (TandemClient verified = common.apply(TandemClient.builder()).seed(7).build();
          TandemClient hedged = common.apply(TandemClient.builder()).extraRequests(o.extra()).seed(8).build()) {
        for (ServiceRecord svc : services) {
          boolean echo = svc.name().equals("echo");
          String method = echo ? "echo" : "query";
          ObjectNode params = echo ? NetworkBenchmark.echoParams() : NetworkBenchmark.searchParams();
          byte[] body = NetworkBenchmark.rpcBody(method, params);
          URI direct = URI.create(node0 + "/services/" + svc.serviceId());
          ServiceHandle v = verified.service(svc.serviceId());
          ServiceHandle h = hedged.service(svc.serviceId());
          LoadLoop.Op directOp = () -> post(net, direct, body);
          LoadLoop.Op verifiedOp = () -> v.call(method, params);
          LoadLoop.Op hedgedOp = () -> h.call(method, params);
          checkSigned(net, direct, body);
          // Warm up the JIT and let every node leave probation at both clients (confirmed answers).
          Duration warmUp = Duration.ofMillis(Math.min(3000, len.toMillis()));
          LoadLoop.run(o.callers(), warmUp, directOp);
          LoadLoop.run(o.callers(), warmUp, verifiedOp);
          LoadLoop.run(o.callers(), warmUp, hedgedOp);
          out.printf(Locale.ROOT, "measuring %s …%n", svc.name());
          // One second of each in turn, so that load from elsewhere on this machine hits all three alike.
          List<LoadLoop.Stats> d = new ArrayList<>();
          List<LoadLoop.Stats> v1 = new ArrayList<>();
          List<LoadLoop.Stats> h1 = new ArrayList<>();
          for (int round = 0; round < o.seconds(); round++) {
            d.add(LoadLoop.run(o.callers(), Duration.ofSeconds(1), directOp));
            v1.add(LoadLoop.run(o.callers(), Duration.ofSeconds(1), verifiedOp));
            h1.add(LoadLoop.run(o.callers(), Duration.ofSeconds(1), hedgedOp));
          }
          rows.add(new Row(svc.name(), "direct, 1 node", LoadLoop.Stats.merge(d)));
          rows.add(new Row(svc.name(), "verified, 2 nodes", LoadLoop.Stats.merge(v1)));
          rows.add(new Row(svc.name(), "hedged, 2 of " + (2 + o.extra()) + " nodes", LoadLoop.Stats.merge(h1)));
        }
      }
      out.println();
      print(out, o, rows);
      long errors = rows.stream().mapToLong(r -> r.stats().errors()).sum();
      if (errors > 0) {
        out.printf(Locale.ROOT, "%n%d calls failed; first: %s%n", errors, rows.stream()
            .map(r -> r.stats().firstError()).filter(e -> e != null).findFirst().orElse("?"));
        return 1;
      }
      return 0;
    } finally {
      for (Node n : nodes.reversed()) {
        n.close();
      }
      NetworkBenchmark.deleteTree(dir);
    }
  }

  private static void print(PrintStream out, Options o, List<Row> rows) {
    out.printf(Locale.ROOT, "Calls over a network of %d ± %d ms round trips (latency per call, from the caller's "
        + "side):%n%n", o.rttMs(), o.jitterMs());
    out.println("| service | call | calls | p50 ms | p99 ms | p50 ÷ direct | p99 ÷ direct |");
    out.println("|---|---|---:|---:|---:|---:|---:|");
    LoadLoop.Stats direct = null;
    for (Row r : rows) {
      if (r.call().startsWith("direct")) {
        direct = r.stats();
      }
      LoadLoop.Stats s = r.stats();
      out.printf(Locale.ROOT, "| %s | %s | %,d | %.2f | %.2f | %.2f× | %.2f× |%n", r.service(), r.call(), s.ok(),
          s.ms(0.5), s.ms(0.99), s.ms(0.5) / direct.ms(0.5), s.ms(0.99) / direct.ms(0.99));
    }
    out.println();
    out.println("Targets at 20 ± 5 ms: verified p50 ≤ 1.1× direct; hedged p99 ≤ 1.0× direct.");
  }

  private static void post(Transport net, URI uri, byte[] body) throws Exception {
    Transport.Reply reply = net.post(uri, body, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
    if (reply.status() != 200) {
      throw new IOException("HTTP " + reply.status());
    }
  }

  /** The direct call is measured as is; this checks once that it is what a node really serves: a signed answer. */
  private static void checkSigned(Transport net, URI uri, byte[] body) throws Exception {
    JsonNode answer = Json.parse(net.post(uri, body, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS).body());
    if (!answer.has("result") || !Attestation.fromJson(answer.get("tandem")).verifies()) {
      throw new IllegalStateException("the node did not answer with a signed result: " + answer);
    }
  }
}
