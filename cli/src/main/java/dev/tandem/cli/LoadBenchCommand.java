package dev.tandem.cli;

import dev.tandem.bench.load.LoadBenchmark;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench load}: open-loop load on a local network, with every error counted by kind. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {"Open-loop load on echo at a fixed rate against a local network of in-process nodes: the rate "
        + "achieved, latency percentiles (from the scheduled send time) and errors by kind (HTTP status, JSON-RPC "
        + "code, timeout, connection reset).",
        "Exits 1 when any request ended otherwise than ok or the node's explicit overload answer (-32000)."})
final class LoadBenchCommand implements Callable<Integer> {
  @Option(names = "--seconds", defaultValue = "10", paramLabel = "S", description = "measured run (default 10)")
  int seconds;

  @Option(names = "--rate", defaultValue = "1000", paramLabel = "R",
      description = "requests per second over all nodes (default 1000)")
  double rate;

  @Option(names = "--nodes", defaultValue = "3", paramLabel = "N", description = "nodes to start (default 3)")
  int nodes;

  @Option(names = "--max-concurrent-calls", defaultValue = "64", paramLabel = "N",
      description = "each node's concurrent calls per service before it answers overloaded (default 64)")
  int maxConcurrentCalls;

  @Option(names = "--timeout-ms", defaultValue = "5000", paramLabel = "MS",
      description = "the client's bound on one request; later is a timeout (default 5000)")
  long timeoutMs;

  @Option(names = "--max-in-flight", defaultValue = "4000", paramLabel = "N",
      description = "most outstanding requests; beyond, a request is not sent and counted (default 4000)")
  int maxInFlight;

  @Option(names = "--warmup", defaultValue = "2", paramLabel = "S",
      description = "seconds of unreported load first (default 2)")
  int warmup;

  @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

  @Override
  public Integer call() throws Exception {
    if (seconds < 1 || nodes < 1 || maxConcurrentCalls < 1 || timeoutMs < 1 || maxInFlight < 1 || warmup < 0
        || !(rate > 0)) {
      throw new Errors.UserException("--seconds, --nodes, --max-concurrent-calls, --timeout-ms, --max-in-flight and "
          + "--rate must be positive, --warmup 0 or more");
    }
    return output.run(out -> LoadBenchmark.onlyOverload(LoadBenchmark.run(out, new LoadBenchmark.Options(
        Checkout.root(), nodes, seconds, rate, maxConcurrentCalls, Duration.ofMillis(timeoutMs), maxInFlight,
        warmup))) ? 0 : 1);
  }
}
