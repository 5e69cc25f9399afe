package dev.tandem.client.it;

import dev.tandem.client.NodeClient;
import dev.tandem.client.TestFiles;
import dev.tandem.core.json.Json;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.oci.LocalRegistry;
import dev.tandem.node.oci.OciOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A local registry with the example images pushed to it, and nodes that pull them by digest. */
final class OciNetwork implements AutoCloseable {
  final Path dir;
  final LocalRegistry registry;
  final Map<String, String> images;

  private OciNetwork(Path dir, LocalRegistry registry, Map<String, String> images) {
    this.dir = dir;
    this.registry = registry;
    this.images = images;
  }

  static OciNetwork start() throws Exception {
    Path dir = Files.createTempDirectory("tandem-oci");
    LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
    try {
      return new OciNetwork(dir, registry, registry.pushExamples(TestFiles.repoRoot()));
    } catch (IOException e) {
      registry.close();
      throw e;
    }
  }

  /** A node on a free port; {@code swap} runs another image in place of every OCI service's own (a liar). */
  Node node(String name, List<URI> peers, Optional<String> swap) throws Exception {
    return Node.start(NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers)
        .gossipInterval(Duration.ofMillis(150)).oci(new OciOptions("podman", swap)).build());
  }

  /** Tells {@code node} to offer {@code serviceId}. */
  static void offer(Node node, String serviceId) throws IOException {
    String token = Files.readString(node.config().dataDir().resolve("admin.token")).trim();
    var p = Json.object();
    p.put("service", serviceId);
    new NodeClient(node.url(), token).rpc("tandem_offer", p);
  }

  @Override
  public void close() {
    registry.close();
  }
}
