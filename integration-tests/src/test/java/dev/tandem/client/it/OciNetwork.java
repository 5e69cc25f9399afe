package dev.tandem.client.it;

import dev.tandem.client.NodeClient;
import dev.tandem.client.TestFiles;
import dev.tandem.core.json.Json;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.oci.OciOptions;
import dev.tandem.node.oci.Podman;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What OCI tests need from the host: podman that can run containers, a local registry (Debian's
 * {@code docker-registry}) and the example images built by {@code services/oci/build.sh} and pushed to it, so nodes
 * pull them by digest.
 */
final class OciNetwork implements AutoCloseable {
  /** The one line a test run shows when this host cannot run containers. */
  static final String SKIPPED = "OCI tests skipped: podman cannot run containers here "
      + "(needs root, cgroups and `apt-get install podman docker-registry gcc libc6-dev`)";

  final Path dir;
  final Process registry;
  final String registryAddress;
  final Map<String, String> images;

  private OciNetwork(Path dir, Process registry, String registryAddress, Map<String, String> images) {
    this.dir = dir;
    this.registry = registry;
    this.registryAddress = registryAddress;
    this.images = images;
  }

  /** Whether podman and the registry are here. */
  static boolean available() {
    return Podman.find(OciOptions.DEFAULT).isPresent() && onPath("docker-registry") && onPath("gcc");
  }

  private static boolean onPath(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d.isEmpty() ? "." : d, name))) {
        return true;
      }
    }
    return false;
  }

  /** Starts a registry on a free loopback port, builds the images and pushes them. */
  static OciNetwork start() throws Exception {
    Path dir = Files.createTempDirectory("tandem-oci");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    Path config = dir.resolve("registry.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
        + dir.resolve("data") + "\nhttp:\n  addr: " + address + "\n");
    Process registry = new ProcessBuilder("docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      try {
        http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding());
        break;
      } catch (IOException e) {
        if (System.currentTimeMillis() > deadline) {
          registry.destroyForcibly();
          throw new IOException("the registry did not start: " + Files.readString(dir.resolve("registry.log")));
        }
        Thread.sleep(50);
      }
    }
    Process build = new ProcessBuilder(TestFiles.repoRoot().resolve("services/oci/build.sh").toString(), "--push",
        address).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (build.waitFor() != 0) {
      registry.destroyForcibly();
      throw new IOException("services/oci/build.sh failed");
    }
    Map<String, String> images = new HashMap<>();
    for (String line : out.strip().split("\n")) {
      String[] kv = line.split("=", 2);
      images.put(kv[0], kv[1]);
    }
    return new OciNetwork(dir, registry, address, images);
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
    registry.destroy();
  }
}
