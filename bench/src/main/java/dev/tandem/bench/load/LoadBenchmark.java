package dev.tandem.bench.load;

import dev.tandem.node.Node;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tandem bench load}: open-loop load at a fixed rate against echo on a local network, reporting the rate
 * achieved, latency percentiles and every error by kind. Past capacity a node must answer {@code -32000 overloaded}
 * quickly (docs/operating-a-node.md, "Errors") rather than time out, fail with 5xx or drop connections; this is where
 * that is measured.
 */
public final class LoadBenchmark {
  /**
   * Settings.
   *
   * @param checkout           the folder holding {@code services/}
   * @param nodes              nodes in the local network
   * @param seconds            length of the measured run
   * @param rate               requests per second, over all nodes
   * @param maxConcurrentCalls each node's {@code --max-concurrent-calls}
   * @param timeout            the client's bound on one request
   * @param maxInFlight        the client's bound on outstanding requests
   * @param warmupSeconds      a run at the same rate before the measured one, not reported (JIT, connections)
   */
  public record Options(Path checkout, int nodes, int seconds, double rate, int maxConcurrentCalls, Duration timeout,
      int maxInFlight, int warmupSeconds) {}

  private LoadBenchmark() {}

  /** Starts the network, runs the load, and returns what it measured; prints progress and the report to {@code out}. */
  public static LoadReport run(PrintStream out, Options o) throws Exception {
    try (LoadNetwork net = LoadNetwork.start(o.checkout().resolve("services/echo/echo.wasm"), o.nodes(),
        o.maxConcurrentCalls())) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(o.timeout()).build();
      EchoTarget target = new EchoTarget(http, net.urls(), net.nodes().stream().map(Node::publicKey).toList(),
          net.serviceId(), 20);
      out.printf(Locale.ROOT, "Load benchmark: %d nodes on 127.0.0.1, echo offered on all, called round robin%n",
          o.nodes());
      out.printf(Locale.ROOT, "open loop at %,.0f requests/s for %d s; --max-concurrent-calls %d per node; client "
          + "timeout %d ms, at most %,d requests in flight%n", o.rate(), o.seconds(), o.maxConcurrentCalls(),
          o.timeout().toMillis(), o.maxInFlight());
      out.printf(Locale.ROOT, "JVM %s on %d cores (nodes and load generator share them)%n", Runtime.version(),
          Runtime.getRuntime().availableProcessors());
      if (o.warmupSeconds() > 0) {
        out.printf(Locale.ROOT, "warming up for %d s …%n", o.warmupSeconds());
        OpenLoop.run(new OpenLoop.Settings(o.rate(), Duration.ofSeconds(o.warmupSeconds()), o.timeout(),
            o.maxInFlight()), target);
      }
      out.printf(Locale.ROOT, "measuring for %d s …%n", o.seconds());
      LoadReport r = OpenLoop.run(new OpenLoop.Settings(o.rate(), Duration.ofSeconds(o.seconds()), o.timeout(),
          o.maxInFlight()), target);
      print(out, r);
      return r;
    }
  }

  /** The report as Markdown tables. */
  public static void print(PrintStream out, LoadReport r) {
    out.println();
    out.println("| offered/s | scheduled | sent | ok | ok/s | answered/s | max in flight | generator lag max | drain |");
    out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    out.printf(Locale.ROOT, "| %,.0f | %,d | %,d | %,d | %,.0f | %,.0f | %,d | %d ms | %d ms |%n", r.rate(),
        r.scheduled(), r.sent(), r.ok(), r.okPerSecond(), r.answeredPerSecond(), r.maxInFlight(),
        r.maxLag().toMillis(), r.drain().toMillis());
    out.println();
    out.println("Latency from the scheduled send time, ms:");
    out.println();
    out.println("| answers | count | p50 | p90 | p99 | max |");
    out.println("|---|---:|---:|---:|---:|---:|");
    row(out, "ok", r.okNanos());
    row(out, "errors (JSON-RPC or HTTP)", r.errorNanos());
    out.println();
    out.println("Outcomes by kind:");
    out.println();
    out.println("| kind | count | share |");
    out.println("|---|---:|---:|");
    for (Map.Entry<String, Long> e : r.kinds().entrySet()) {
      out.printf(Locale.ROOT, "| %s%s | %,d | %.1f%% |%n", e.getKey(), describe(e.getKey()), e.getValue(),
          100.0 * e.getValue() / Math.max(1, r.scheduled()));
    }
  }

  private static void row(PrintStream out, String what, long[] nanos) {
    out.printf(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s |%n", what, nanos.length, ms(LoadReport.ms(nanos, 0.5)),
        ms(LoadReport.ms(nanos, 0.9)), ms(LoadReport.ms(nanos, 0.99)), ms(LoadReport.maxMs(nanos)));
  }

  /** Milliseconds with two decimals, or "-" when there was nothing to measure (no answers of that kind). */
  static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String describe(String kind) {
    return switch (kind) {
      case "rpc -32000" -> " (overloaded)";
      case "rpc -32001" -> " (timeout in the node)";
      case "rpc -32002" -> " (module not ready)";
      case "rpc -32003" -> " (node error)";
      case "rpc -32004" -> " (shutting down)";
      default -> "";
    };
  }

  /** Whether every outcome is a success or the node's explicit overload answer. */
  public static boolean onlyOverload(LoadReport r) {
    return r.kinds().keySet().stream().allMatch(k -> k.equals(LoadReport.OK) || EchoTarget.OVERLOAD.contains(k));
  }
}
