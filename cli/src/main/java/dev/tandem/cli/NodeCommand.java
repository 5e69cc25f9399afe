package dev.tandem.cli;

import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import dev.tandem.core.cid.Cid;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", description = "Run a node: serve offered services, sync the registry, fetch modules.",
    mixinStandardHelpOptions = true)
final class NodeCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "key, registry, modules and node.json live here (required, here or in --config)")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE",
      description = "flags from a file, one a line (listen = 127.0.0.1:7400, peer = URL, …; # comments); "
          + "flags on the command line win")
  Path configFile;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "default 127.0.0.1:7400 (or node.json)")
  String listen;

  @Option(names = "--public-url", paramLabel = "URL", description = "the URL others reach this node at")
  URI publicUrl;

  @Option(names = "--peer", paramLabel = "URL", description = "a node to sync the registry with (repeatable)")
  List<URI> peers = new ArrayList<>();

  @Option(names = "--ipfs-gateway", paramLabel = "URL",
      description = "a trustless IPFS gateway to fetch modules and data from, after peers (repeatable)")
  List<URI> ipfsGateways = new ArrayList<>();

  @Option(names = "--trusted-proxy", paramLabel = "ADDRESS[/BITS]",
      description = "a reverse proxy in front of this node (repeatable): exempt from --max-connections-per-address, "
          + "and the requests it forwards are keyed by their X-Forwarded-For caller")
  List<String> trustedProxies = new ArrayList<>();

  @Option(names = "--offer", paramLabel = "SERVICE_ID", description = "a service to run (repeatable)")
  List<String> offers = new ArrayList<>();

  @Option(names = "--reward", paramLabel = "SERVICE_ID", description = "a service to see run (repeatable)")
  List<String> rewards = new ArrayList<>();

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "bearer token for admin methods (default: DIR/admin.token, created on first start)")
  Path adminTokenFile;

  @Option(names = "--max-services", paramLabel = "N", description = "most services this node runs (default 16)")
  Integer maxServices;

  @Option(names = "--max-concurrent-calls", paramLabel = "N",
      description = "concurrent calls per service before answering 'overloaded' (default 64)")
  Integer maxConcurrent;

  @Option(names = "--gossip-interval-ms", paramLabel = "MS", description = "registry sync period (default 2000)")
  Long gossipMs;

  @Option(names = "--evidence-sync-interval-ms", paramLabel = "MS",
      description = "how often convicting evidence missed while away is pulled from peers (default 30000; 0: never)")
  Long evidenceSyncMs;

  @Option(names = "--probe-interval-ms", paramLabel = "MS",
      description = "how often one delivery probe checks that a server offering a service this node rewards runs it "
          + "right, for reciprocity credit (default 60000; 0: never)")
  Long probeMs;

  @Option(names = "--registry", paramLabel = "SPEC",
      description = "keep the registry on an EVM chain: evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY "
          + "(default: the embedded registry, spread by gossip)")
  String registry;

  @Option(names = "--eth-key", paramLabel = "FILE", description = "with --registry evm:…: the Ethereum key file")
  Path ethKey;

  @Option(names = "--engine", paramLabel = "ENGINE",
      description = "the WebAssembly engine services run on: chicory (default: starts fast, steady) or graalwasm "
          + "(seconds to warm up and ~400 MB, then up to 4x faster on compute); same answers and fuel either way")
  String engine;

  @Option(names = "--cross-check-rate", paramLabel = "R",
      description = "run this share of answered calls (0 to 1, default 0) again on the other engine and raise a "
          + "divergence alarm (metric tandem_engine_divergences, an error log line, a conflict on the dashboard) when "
          + "the two disagree; checked after answering, never delaying an answer")
  Double crossCheckRate;

  @Option(names = "--peer-policy", paramLabel = "POLICY",
      description = "which addresses learned from records to contact: auto (same reach as --public-url or wider), "
          + "public, private, loopback or any (default auto)")
  String peerPolicy;

  /** Limits set by their own flags ({@link #addLimitOptions}). */
  final java.util.Map<Limit, Long> limits = new java.util.EnumMap<>(Limit.class);

  /** Adds one {@code --FLAG N} option per {@link Limit} to the node command: the flags come from one list. */
  static void addLimitOptions(picocli.CommandLine node) {
    NodeCommand command = node.getCommand();
    for (Limit l : Limit.values()) {
      node.getCommandSpec().addOption(picocli.CommandLine.Model.OptionSpec.builder("--" + l.flag())
          .paramLabel("N").type(Long.class)
          .description(l.description() + " (default " + l.defaultValue() + ")")
          .setter(new picocli.CommandLine.Model.ISetter() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T set(T value) {
              if (value != null) {
                command.limits.put(l, (Long) value);
              }
              return null;
            }
          }).build());
    }
  }

  @Option(names = "--oci", paramLabel = "RUNTIME",
      description = "how OCI services run: podman (default; used when it is on the PATH and can run containers), "
          + "the path of a podman binary, or off (this node never offers OCI services)")
  String oci;

  @Option(names = "--unsafe-oci-image", paramLabel = "REF",
      description = "FOR TESTS ONLY: run this image (by digest) in place of every OCI service's own.")
  String unsafeOciImage;

  @Option(names = "--unsafe-fault", paramLabel = "KIND",
      description = "FOR TESTS ONLY: lie | collude | slow | crash | garbage. The node misbehaves on purpose.")
  String fault;

  @Override
  public Integer call() throws Exception {
    if (configFile != null) {
      picocli.CommandLine fromFile = new picocli.CommandLine(new NodeCommand());
      fromFile.registerConverter(URI.class, Urls::parse);
      addLimitOptions(fromFile);
      java.util.Set<String> limitFlags = new java.util.HashSet<>();
      for (Limit l : Limit.values()) {
        limitFlags.add("--" + l.flag());
      }
      FlagFile.merge("--config", configFile, spec.commandLine(), fromFile, limitFlags);
      ((NodeCommand) fromFile.getCommand()).limits.forEach(limits::putIfAbsent);
    }
    if (dataDir == null) {
      throw new Errors.UserException("give --data-dir DIR (or data-dir in the --config file)");
    }
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new Errors.UserException("--data-dir " + dataDir + " is a file, not a directory");
    }
    checkServiceIds("--offer", offers);
    checkServiceIds("--reward", rewards);
    NodeConfig.Builder b = NodeConfig.builder(dataDir).loadFile();
    if (listen != null) {
      b.listen(listen);
    }
    if (publicUrl != null) {
      b.publicUrl(publicUrl);
    }
    b.addPeers(peers).addIpfsGateways(ipfsGateways).addOffers(offers).addRewards(rewards)
        .addTrustedProxies(trustedProxies);
    if (adminTokenFile != null) {
      b.adminTokenFile(adminTokenFile);
    }
    if (maxServices != null) {
      b.maxServices(maxServices);
    }
    if (maxConcurrent != null) {
      b.maxConcurrentCallsPerService(maxConcurrent);
    }
    if (gossipMs != null) {
      b.gossipInterval(Duration.ofMillis(gossipMs));
    }
    if (evidenceSyncMs != null) {
      if (evidenceSyncMs < 0) {
        throw new Errors.UserException("--evidence-sync-interval-ms must be 0 (off) or positive, got "
            + evidenceSyncMs);
      }
      b.evidenceSyncInterval(Duration.ofMillis(evidenceSyncMs));
    }
    if (probeMs != null) {
      if (probeMs < 0) {
        throw new Errors.UserException("--probe-interval-ms must be 0 (off) or positive, got " + probeMs);
      }
      b.probeInterval(Duration.ofMillis(probeMs));
    }
    if (registry != null) {
      b.registry(registry);
    }
    if (ethKey != null) {
      b.ethKeyFile(ethKey);
    }
    if (peerPolicy != null) {
      b.peerPolicy(peerPolicy);
    }
    if (engine != null) {
      if (!dev.tandem.sandbox.Engines.available().contains(engine)) {
        throw new Errors.UserException("--engine must be one of " + String.join(", ",
            dev.tandem.sandbox.Engines.available()) + ", got '" + engine + "'");
      }
      b.engine(engine);
    }
    if (crossCheckRate != null) {
      if (!(crossCheckRate >= 0 && crossCheckRate <= 1)) {
        throw new Errors.UserException("--cross-check-rate must be between 0 and 1, got " + crossCheckRate);
      }
      b.crossCheckRate(crossCheckRate);
    }
    limits.forEach(b::limit);
    if (fault != null) {
      try {
        b.fault(dev.tandem.node.fault.Fault.valueOf(fault.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new Errors.UserException("--unsafe-fault must be lie, collude, slow, crash or garbage, got '" + fault + "'");
      }
    }
    if (oci != null || unsafeOciImage != null) {
      try {
        b.oci(new dev.tandem.node.oci.OciOptions(oci == null ? "podman" : oci, java.util.Optional.ofNullable(
            unsafeOciImage == null ? null : dev.tandem.core.record.OciSpec.image(unsafeOciImage))));
      } catch (IllegalArgumentException e) {
        throw new Errors.UserException(e.getMessage());
      }
    }
    NodeConfig config = b.build();
    checkPortFree(config); // before the data dir, its key or Jetty exist: a busy port leaves nothing behind
    Node node = Node.start(config);
    LocalNodes.remember(config.adminTokenFile().orElse(config.dataDir().resolve("admin.token")), node.url(),
        URI.create("http://127.0.0.1:" + (config.port() == 0 ? node.url().getPort() : config.port())));
    System.out.println("node " + node.publicKey() + " listening at " + node.url());
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close(); // SIGTERM / Ctrl-C: stop accepting, finish running calls, close the database
      stopped.countDown();
    }, "tandem-shutdown"));
    stopped.await();
    return 0;
  }

  private static void checkServiceIds(String option, List<String> ids) {
    for (String id : ids) {
      try {
        Cid.parse(id);
      } catch (IllegalArgumentException e) {
        throw new Errors.UserException(option + " '" + id + "' is not a service id (a CID such as bafkrei…)");
      }
    }
  }

  private static void checkPortFree(NodeConfig config) {
    if (config.port() == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true); // as the HTTP server binds: a port in TIME_WAIT is free to it
      probe.bind(config.listenAddress());
    } catch (IOException e) {
      throw new Errors.UserException("--listen " + config.host() + ":" + config.port() + ": "
          + String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT));
    }
  }
}
