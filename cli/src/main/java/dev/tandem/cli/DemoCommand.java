package dev.tandem.cli;

import dev.tandem.cli.demo.DemoNetwork;
import dev.tandem.cli.demo.DemoReport;
import dev.tandem.cli.demo.DemoWorkload;
import dev.tandem.cli.demo.Progress;
import dev.tandem.client.TandemClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem demo}: the picture of the design notes, live. Starts a local network with a liar, runs verified
 * calls through the client SDK, checks every answer against a trusted re-run, prints a summary and keeps the network
 * (and its dashboard) up until Ctrl-C, or stops at once with {@code --exit}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start a local network (servers A, B, C… with a liar), run verified calls, print a summary.",
        "Keeps running with live dashboards until Ctrl-C; with --exit, stops after the summary and exits 0 only "
            + "if every check passed."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--nodes", defaultValue = "4", paramLabel = "N", description = "nodes to start (default 4)")
  int nodes;

  @Option(names = "--liars", defaultValue = "1", paramLabel = "K",
      description = "nodes that sign wrong answers (default 1; the last K servers)")
  int liars;

  @Option(names = "--calls", defaultValue = "200", paramLabel = "C", description = "verified calls (default 200)")
  int calls;

  @Option(names = "--dir", defaultValue = "demo-network", paramLabel = "DIR",
      description = "the demo folder, wiped and reused (default ./demo-network)")
  Path dir;

  @Option(names = "--base-port", defaultValue = "0", paramLabel = "PORT",
      description = "node i listens on PORT + i (default: free ports)")
  int basePort;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "seed of the workload (default 1)")
  long seed;

  @Option(names = "--node-log", paramLabel = "FILE",
      description = "where the nodes' log goes (default DIR/nodes.log; '-' leaves logging as configured)")
  String nodeLog;

  @Option(names = "--oci", description = "also run the example OCI service (services/oci) on the network: build "
      + "the image, push it to a local registry, nodes pull it by digest (needs podman and docker-registry)")
  boolean oci;

  @Option(names = "--json", description = "print the summary as one JSON object (servers, calls, conflicts, "
      + "convictions, latency, checks); progress only in a terminal")
  boolean json;

  @Option(names = "--exit", description = "stop after the summary; exit code 0 only if every check passed")
  boolean exit;

  @Override
  public Integer call() throws Exception {
    if (calls < 1) {
      throw new Errors.UserException("--calls must be at least 1");
    }
    long started = System.nanoTime();
    DemoNetwork.Options options;
    try {
      options = DemoNetwork.Options.of(dir.toAbsolutePath(), Checkout.root(), nodes, liars).withBasePort(basePort);
      if (basePort != 0) {
        // A busy --base-port is bad input: said here, in one line, before the demo folder is wiped or logged to.
        DemoNetwork.ports(options.layout().servers().size(), basePort);
      }
    } catch (IllegalArgumentException e) {
      throw new Errors.UserException(e.getMessage());
    }
    Path logFile = dir.toAbsolutePath().resolve("nodes.log");
    if (nodeLog != null) {
      logFile = nodeLog.equals("-") ? null : Path.of(nodeLog).toAbsolutePath();
    }
    if (logFile != null) {
      logToFile(logFile);
    }
    DemoNetwork net = DemoNetwork.start(options, line -> System.err.println("demo: " + line));
    Thread stopper = new Thread(net::close, "tandem-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(stopper); // Ctrl-C at any point stops every node and frees the ports
    try {
      System.err.printf(Locale.ROOT, "demo: network up in %.1f s; dashboard at %s%s%n",
          (System.nanoTime() - started) / 1e9, net.dashboard(), logFile == null ? "" : " (node logs in " + logFile
              + ")");
      // Enough servers per call that K colluding liars can never all be asked at once and agree on a lie.
      int minRequests = options.layout().minRequests();
      DemoReport report;
      boolean ociPassed;
      try (TandemClient client = net.client(minRequests, seed)) {
        DemoWorkload workload = new DemoWorkload(client, net, seed);
        DemoWorkload.Result result = workload.run(1, calls, json ? Progress.inTerminal("verified calls", calls, false)
            : Progress.onStderr("verified calls", calls));
        // Evidence travels in the background; give the nodes a moment to re-run it before reporting who convicted.
        net.awaitConvictionsSpread(result.caught().stream().map(DemoWorkload.Caught::server).toList(),
            Duration.ofSeconds(10));
        report = new DemoReport(net, result, minRequests, !exit);
        if (json) {
          System.out.println(report.toJson().toPrettyString());
        } else {
          report.print(System.out);
        }
        ociPassed = !oci || dev.tandem.cli.demo.DemoOci.run(net, dir.toAbsolutePath(), Checkout.root(),
            minRequests, seed, Math.min(calls, 30), json ? System.err : System.out, line -> System.err.println("demo: " + line));
        (json ? System.err : System.out).printf(Locale.ROOT, "%n  finished in %.1f s%n",
            (System.nanoTime() - started) / 1e9);
        System.out.flush();
        if (!exit) {
          System.out.println();
          System.out.println("The network keeps running, with a call every second, so the dashboards stay live: "
              + net.dashboard());
          System.out.println("Press Ctrl-C to stop every node.");
          System.out.flush();
          trickle(workload, calls + 1);
        }
      }
      return report.passed() && ociPassed ? 0 : 1;
    } finally {
      net.close();
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running or has run
      }
    }
  }

  /** Keeps calling, one call a second, until the process is stopped. */
  private static void trickle(DemoWorkload workload, int next) throws InterruptedException {
    CountDownLatch never = new CountDownLatch(1);
    for (int n = next; ; n++) {
      workload.run(n, 1, done -> { });
      if (never.await(1, TimeUnit.SECONDS)) {
        return;
      }
    }
  }

  /**
   * The nodes log every step; the demo shows its own lines and sends the nodes' log to a file in the demo folder.
   * Logging starts with the first node, after the folder is wiped, so the file survives.
   */
  private static void logToFile(Path file) {
    if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
      System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
      System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }
  }
}
