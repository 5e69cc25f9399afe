package dev.tandem.cli;

import dev.tandem.bench.crypto.SignatureBenchmark;
import dev.tandem.bench.network.DelayedNetworkBenchmark;
import dev.tandem.bench.network.NetworkBenchmark;
import dev.tandem.bench.scale.ScaleBenchmark;
import dev.tandem.bench.sandbox.BenchOptions;
import dev.tandem.bench.sandbox.SandboxBenchmark;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem bench}: {@code sandbox} compares the metered engine with other engines on the example kernels;
 * {@code network} measures what verification costs on a local network and one node's throughput; {@code scale} the
 * registry, the choice of servers and gossip with many records and nodes; {@code cold} a node's first answer from a
 * module it never saw.
 */
@Command(name = "bench", description = "Benchmarks: the sandbox against other engines, and a local network.",
    mixinStandardHelpOptions = true, subcommands = {BenchCommand.Sandbox.class, BenchCommand.Network.class,
        LoadBenchCommand.class, BenchCommand.Oci.class, BenchCommand.Attack.class,
        BenchCommand.Fuzz.class, BenchCommand.Scale.class, BenchCommand.Cold.class, BenchCommand.Heat.class,
        BenchCommand.Signatures.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "sandbox", mixinStandardHelpOptions = true,
      description = "The example kernels on Tandem's metered engines (Chicory, GraalWasm), Chicory, V8 and native "
          + "code; --json: {\"kernels\":{KERNEL:{ENGINE:{\"cpuMs\":…,\"vsV8\":…}}}} and the tables.")
  static final class Sandbox implements Callable<Integer> {
    @Option(names = "--quick", description = "small inputs and few runs: a smoke test of every engine")
    boolean quick;

    @Option(names = "--kernels", split = ",", paramLabel = "K,K",
        description = "only these kernels: hash, sort, matmul, search")
    List<String> kernels = new ArrayList<>();

    @Option(names = "--no-v8", description = "do not run V8 (Node.js)") boolean noV8;

    @Option(names = "--no-native", description = "do not run the natively compiled kernels") boolean noNative;

    @Option(names = "--no-interpreter", description = "do not run Chicory's interpreter") boolean noInterpreter;

    @Option(names = "--no-graalwasm", description = "do not run GraalWasm (it warms up for 15 s per kernel)")
    boolean noGraalwasm;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      var root = Checkout.root();
      BenchOptions o = quick ? BenchOptions.quick(root) : BenchOptions.defaults(root);
      o = new BenchOptions(root, o.warmup(), o.runs(), o.scale(), kernels, !noV8, !noNative, !noInterpreter,
          !noGraalwasm);
      BenchOptions options = o;
      var summary = dev.tandem.core.json.Json.object();
      return output.run(out -> SandboxBenchmark.run(out, options, summary), json -> json.set("kernels", summary));
    }
  }

  @Command(name = "cold", mixinStandardHelpOptions = true,
      description = "A node that never saw the search module is told to offer it: the time to its first signed answer "
          + "(fetch by CID, validate, meter, compile, call), on fresh nodes one after another.")
  static final class Cold implements Callable<Integer> {
    @Option(names = "--engine", defaultValue = "chicory", paramLabel = "ENGINE",
        description = "the WebAssembly engine of the nodes: chicory (default) or graalwasm")
    String engine;

    @Option(names = "--rounds", defaultValue = "5", paramLabel = "N", description = "fresh nodes (default 5)")
    int rounds;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      checkEngine(engine);
      if (rounds < 1) {
        throw new Errors.UserException("--rounds must be at least 1");
      }
      return output.run(out -> dev.tandem.bench.network.ColdCallBenchmark.run(out,
          new dev.tandem.bench.network.ColdCallBenchmark.Options(Checkout.root(), engine, rounds)));
    }
  }

  @Command(name = "heat", mixinStandardHelpOptions = true,
      description = "A module's first seconds on each engine as a node runs it: Chicory, GraalWasm alone, and "
          + "GraalWasm tiered by heat (Chicory until GraalWasm runs sampled calls as fast); median ms per call over "
          + "time, and when calls moved.")
  static final class Heat implements Callable<Integer> {
    @Option(names = "--kernels", split = ",", paramLabel = "K,K",
        description = "only these kernels: hash, sort, matmul, search (default all)")
    List<String> kernels = new ArrayList<>();

    @Option(names = "--seconds", defaultValue = "60", paramLabel = "S",
        description = "how long each engine is called, per kernel (default 60)")
    int seconds;

    @Option(names = "--slices", defaultValue = "6", paramLabel = "N",
        description = "slices of that time in the table (default 6)")
    int slices;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (seconds < 1 || slices < 1 || slices > 30) {
        throw new Errors.UserException("--seconds must be at least 1 and --slices in 1..30");
      }
      return output.run(out -> dev.tandem.bench.sandbox.HeatBenchmark.run(out,
          new dev.tandem.bench.sandbox.HeatBenchmark.Options(Checkout.root(), kernels, seconds, slices)));
    }
  }

  static void checkEngine(String engine) {
    if (!dev.tandem.sandbox.Engines.available().contains(engine)) {
      throw new Errors.UserException("--engine must be one of " + String.join(", ",
          dev.tandem.sandbox.Engines.available()) + ", got '" + engine + "'");
    }
  }

  @Command(name = "oci", mixinStandardHelpOptions = true,
      description = "An OCI service: a call through the node against the container's own answer time, and the "
          + "first call after the image is pulled.")
  static final class Oci implements Callable<Integer> {
    @Option(names = "--calls", defaultValue = "2000", paramLabel = "N", description = "calls per measure (default 2000)")
    int calls;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (calls < 10) {
        throw new Errors.UserException("--calls must be at least 10");
      }
      return output.run(out -> dev.tandem.bench.network.OciBenchmark.run(out, Checkout.root(), calls));
    }
  }

  @Command(name = "attack", mixinStandardHelpOptions = true,
      description = "What honest callers see while a stranger on 127.0.0.2 attacks a node: slow bodies, evidence "
          + "spam, registry spam, modules dear to load and a call flood, each set against a quiet run.")
  static final class Attack implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "10", paramLabel = "S", description = "length of each phase (default 10)")
    int seconds;

    @Option(names = "--slow-connections", defaultValue = "300", paramLabel = "N",
        description = "connections of the slowloris phase (default 300)")
    int slowConnections;

    @Option(names = "--threads", defaultValue = "4", paramLabel = "T",
        description = "attacker threads of the spam phases; the call flood uses 8 times as many (default 4)")
    int threads;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (seconds < 1 || slowConnections < 0 || threads < 1) {
        throw new Errors.UserException("--seconds and --threads must be at least 1, --slow-connections 0 or more");
      }
      return output.run(out -> dev.tandem.bench.attack.AttackBenchmark.run(out,
          new dev.tandem.bench.attack.AttackBenchmark.Options(Checkout.root(), seconds, slowConnections, threads)));
    }
  }

  @Command(name = "fuzz", mixinStandardHelpOptions = true,
      description = "Hostile input against one node's /rpc and /services handlers, case after case from a seed: "
          + "every reply must be JSON-RPC, and a refused record must leave neither itself nor its module stored.")
  static final class Fuzz implements Callable<Integer> {
    @Option(names = "--cases", defaultValue = "1000000", paramLabel = "N", description = "cases to run (default "
        + "1,000,000)")
    long cases;

    @Option(names = "--seed", defaultValue = "20261205", paramLabel = "S", description = "seed of the cases")
    long seed;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (cases < 1) {
        throw new Errors.UserException("--cases must be at least 1");
      }
      return output.run(out -> dev.tandem.bench.fuzz.FuzzBenchmark.run(out,
          new dev.tandem.bench.fuzz.FuzzBenchmark.Options(Checkout.root(), cases, seed)));
    }
  }

  @Command(name = "network", mixinStandardHelpOptions = true,
      description = "On a local network: a direct call vs a verified call (latency, throughput), and one node's "
          + "highest throughput for a trivial service with signed answers.")
  static final class Network implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "3", paramLabel = "N", description = "nodes to start (default 3)")
    int nodes;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
        description = "length of each measurement (default 5)")
    int seconds;

    @Option(names = "--threads", defaultValue = "8", paramLabel = "T",
        description = "client threads of the closed-loop load (default 8)")
    int threads;

    @Option(names = "--no-wrk", description = "do not also measure with wrk when it is installed")
    boolean noWrk;

    @Option(names = "--rtt-ms", paramLabel = "R",
        description = "put an emulated network between the client and the nodes: every request's round trip gains "
            + "R ms (± --jitter-ms), and the benchmark measures direct, verified and hedged calls over it instead")
    Integer rttMs;

    @Option(names = "--jitter-ms", defaultValue = "0", paramLabel = "J",
        description = "with --rtt-ms: each round trip lies uniformly within R ± J ms, as netem draws it (default 0)")
    int jitterMs;

    @Option(names = "--engine", defaultValue = "chicory", paramLabel = "ENGINE",
        description = "the WebAssembly engine the nodes run services on: chicory (default) or graalwasm")
    String engine;

    @Option(names = "--extra-requests", defaultValue = "1", paramLabel = "N",
        description = "with --rtt-ms: servers a hedged call asks beyond the two it needs; the network grows to 2 + N "
            + "nodes if smaller (default 1)")
    int extraRequests;

    @Option(names = "--callers", defaultValue = "2", paramLabel = "C",
        description = "with --rtt-ms: concurrent callers, each making one call after another (default 2)")
    int callers;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (nodes < 2) {
        throw new Errors.UserException("--nodes must be at least 2 (a verified call asks two nodes)");
      }
      if (seconds < 1 || threads < 1 || callers < 1) {
        throw new Errors.UserException("--seconds, --threads and --callers must be at least 1");
      }
      if (rttMs != null && (rttMs < 0 || jitterMs < 0 || jitterMs > rttMs)) {
        throw new Errors.UserException("--rtt-ms must be 0 or more and --jitter-ms between 0 and --rtt-ms");
      }
      checkEngine(engine);
      if (rttMs != null && !engine.equals(dev.tandem.sandbox.Engines.DEFAULT)) {
        throw new Errors.UserException("--engine applies to the local-network measurement, not with --rtt-ms");
      }
      if (rttMs == null && jitterMs != 0) {
        throw new Errors.UserException("--jitter-ms needs --rtt-ms");
      }
      if (extraRequests < 1 || extraRequests > 8) {
        throw new Errors.UserException("--extra-requests must be in 1..8");
      }
      if (rttMs != null) {
        return output.run(out -> DelayedNetworkBenchmark.run(out, new DelayedNetworkBenchmark.Options(Checkout.root(),
            nodes, seconds, callers, rttMs, jitterMs, extraRequests)));
      }
      return output.run(out -> NetworkBenchmark.run(out, new NetworkBenchmark.Options(Checkout.root(), nodes, seconds,
          threads, !noWrk, engine)));
    }
  }

  @Command(name = "scale", mixinStandardHelpOptions = true,
      description = "The registry and a client's choice of servers with many records, and gossip convergence of "
          + "many in-process nodes.")
  static final class Scale implements Callable<Integer> {
    @Option(names = "--servers", defaultValue = "10000", paramLabel = "N",
        description = "server records (default 10000)")
    int servers;

    @Option(names = "--services", defaultValue = "1000", paramLabel = "N",
        description = "service records (default 1000)")
    int services;

    @Option(names = "--offers", defaultValue = "20", paramLabel = "N",
        description = "services each server offers, drawn at random (default 20)")
    int offers;

    @Option(names = "--gossip-nodes", defaultValue = "100", paramLabel = "N",
        description = "nodes of the gossip convergence measurement; 0 skips it (default 100)")
    int gossipNodes;

    @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
        description = "length of each per-call measurement (default 3)")
    double seconds;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "seeds the records (default 1)")
    long seed;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (servers < 1 || services < 1 || offers < 1 || offers > Math.min(services, 1000) || gossipNodes < 0
          || gossipNodes == 1 || seconds <= 0) {
        throw new Errors.UserException("--servers and --services must be at least 1, --offers 1 to --services "
            + "(at most 1000), --gossip-nodes 0 or at least 2, --seconds above 0");
      }
      return output.run(out -> ScaleBenchmark.run(out, new ScaleBenchmark.Options(servers, services, offers,
          gossipNodes, seconds, seed)));
    }
  }

  @Command(name = "signatures", mixinStandardHelpOptions = true,
      description = "Ed25519 signing and verification on this machine, one thread, CPU time per operation: as Tandem "
          + "does them (libsodium signing where it can be used), BouncyCastle alone, and the JDK's provider.")
  static final class Signatures implements Callable<Integer> {
    @Option(names = "--operations", defaultValue = "20000", paramLabel = "N",
        description = "timed signatures and verifications per implementation (default 20000)")
    int operations;

    @Option(names = "--warm-up", defaultValue = "10000", paramLabel = "N",
        description = "untimed operations before, for the JIT (default 10000)")
    int warmUp;

    @Option(names = "--message-bytes", defaultValue = "200", paramLabel = "N",
        description = "length of the signed message; an attestation is about 200 bytes (default 200)")
    int messageBytes;

    @picocli.CommandLine.Mixin BenchJson output = new BenchJson();

    @Override
    public Integer call() throws Exception {
      if (operations < 1 || warmUp < 0 || messageBytes < 0 || messageBytes > 1 << 20) {
        throw new Errors.UserException("--operations must be at least 1, --warm-up at least 0, --message-bytes 0 to "
            + "1048576");
      }
      return output.run(out -> SignatureBenchmark.run(out, new SignatureBenchmark.Options(operations, warmUp,
          messageBytes)));
    }
  }
}
