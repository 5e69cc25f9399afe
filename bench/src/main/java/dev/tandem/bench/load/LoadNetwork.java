package dev.tandem.bench.load;

import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Nodes in this process on 127.0.0.1, each offering the echo service: the first is started alone, the others with it
 * as their peer (gossip then introduces everyone), and echo is registered through the first with its module, which
 * the others fetch by CID.
 */
public final class LoadNetwork implements AutoCloseable {
  private final Path dir;
  private final List<Node> nodes = new ArrayList<>();
  private final String serviceId;

  private LoadNetwork(Path dir, String serviceId) {
    this.dir = dir;
    this.serviceId = serviceId;
  }

  /** Starts {@code count} nodes with {@code maxConcurrentCalls} per service and waits until all offer echo. */
  /** The connection caps of the benchmark's nodes, above any --max-in-flight a run uses. */
  static final int OPEN_CONNECTIONS = 16_384;

  public static LoadNetwork start(Path echoWasm, int count, int maxConcurrentCalls) throws Exception {
    byte[] wasm = Files.readAllBytes(echoWasm);
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
    LoadNetwork net = new LoadNetwork(Files.createTempDirectory("tandem-bench-load"), echo.serviceId());
    try {
      for (int i = 0; i < count; i++) {
        NodeConfig.Builder b = NodeConfig.builder(net.dir.resolve("n" + i)).listen("127.0.0.1:0")
            .maxConcurrentCallsPerService(maxConcurrentCalls).gossipInterval(Duration.ofMillis(250))
            .addOffers(List.of(echo.serviceId()))
            // The whole load comes from one address and holds up to --max-in-flight connections: the connection
            // caps that stop one host from taking a node would measure the caps, not how calls are served.
            .limit(Limit.MAX_CONNECTIONS_PER_ADDRESS, OPEN_CONNECTIONS).limit(Limit.MAX_CONNECTIONS, OPEN_CONNECTIONS);
        if (i > 0) {
          b.addPeers(List.of(net.nodes.get(0).url()));
        }
        net.nodes.add(Node.start(b.build()));
      }
      new NodeClient(net.nodes.get(0).url()).submit(echo, wasm);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!net.nodes.stream().allMatch(n -> n.hosting().ready(echo.serviceId()).isPresent())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("echo did not become ready on every node within 60 s");
        }
        Thread.sleep(20);
      }
      return net;
    } catch (Exception | Error e) {
      net.close();
      throw e;
    }
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  public List<URI> urls() {
    return nodes.stream().map(Node::url).toList();
  }

  public String serviceId() {
    return serviceId;
  }

  @Override
  public void close() {
    for (Node n : nodes.reversed()) {
      try {
        n.close();
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
