package dev.tandem.node.oci;

import dev.tandem.sandbox.oci.Podman;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plain-HTTP OCI registry on a free loopback port (Debian's {@code docker-registry}), with the example images of
 * {@code services/oci} built and pushed to it: what the OCI tests, the benchmark and the demo pull by digest from.
 */
public final class LocalRegistry implements AutoCloseable {
  /** The one line shown where OCI services cannot run, so their tests and benchmarks are skipped, not failed. */
  public static final String UNAVAILABLE = "OCI skipped: podman cannot run containers here "
      + "(needs root, cgroups and `apt-get install podman docker-registry gcc libc6-dev`; see .ci/oci-host)";

  private final Process process;
  private final String address;

  private LocalRegistry(Process process, String address) {
    this.process = process;
    this.address = address;
  }

  private static volatile Boolean available;

  /**
   * Whether podman can start a container here and the registry and the example's compiler are installed. {@code
   * podman info} is not enough: it succeeds on hosts where crun refuses to start any container (a hybrid cgroup
   * layout), so a container is started: a static binary that exits 0, imported as an image (no registry needed).
   * Asked once per process.
   */
  public static boolean available() {
    if (available == null) {
      available = onPath("docker-registry") && onPath("gcc")
          && Podman.find(OciOptions.DEFAULT.runtime()).filter(Podman::works).map(LocalRegistry::startsOne).orElse(false);
    }
    return available;
  }

  private static boolean startsOne(Podman podman) {
    String image = "localhost/tandem-oci-probe:" + ProcessHandle.current().pid();
    Path dir = null;
    try {
      dir = Files.createTempDirectory("tandem-oci-probe");
      Files.writeString(dir.resolve("true.c"), "int main(void) { return 0; }\n");
      Process cc = new ProcessBuilder("gcc", "-static", "-O2", "-o", dir.resolve("true").toString(),
          dir.resolve("true.c").toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      Process tar = null;
      if (cc.waitFor() == 0) {
        tar = new ProcessBuilder("tar", "-C", dir.toString(), "-cf", dir.resolve("image.tar").toString(), "true")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      }
      if (tar == null || tar.waitFor() != 0) {
        return false;
      }
      podman.run(60, "import", "-q", dir.resolve("image.tar").toString(), image);
      podman.run(60, "run", "--rm", image, "/true");
      return true;
    } catch (IOException e) {
      System.out.println("OCI: podman cannot start a container here: " + e.getMessage().lines().reduce((a, b) -> b)
          .orElse(""));
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      try {
        podman.run(60, "rmi", "-f", image);
      } catch (IOException ignored) {
        // the image was never made
      }
      if (dir != null) {
        for (String f : new String[] {"true.c", "true", "image.tar"}) {
          dir.resolve(f).toFile().delete();
        }
        dir.toFile().delete();
      }
    }
  }

  private static boolean onPath(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d.isEmpty() ? "." : d, name))) {
        return true;
      }
    }
    return false;
  }

  /** Starts a registry keeping its data under {@code dir} and waits until it answers. */
  public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    Path config = dir.resolve("registry.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
        + dir.resolve("data") + "\nhttp:\n  addr: " + address + "\n");
    Process p = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("registry.log").toFile()).start();
    LocalRegistry registry = new LocalRegistry(p, address);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      try {
        http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding());
        return registry;
      } catch (IOException e) {
        if (System.currentTimeMillis() > deadline || !p.isAlive()) {
          registry.close();
          throw new IOException("the registry did not start: " + Files.readString(dir.resolve("registry.log")));
        }
        Thread.sleep(50);
      }
    }
  }

  /** {@code 127.0.0.1:PORT}. */
  public String address() {
    return address;
  }

  /**
   * Builds the example images with {@code services/oci/build.sh} and pushes them here.
   *
   * @return image name ({@code tally}, {@code tally-liar}) → {@code REGISTRY/REPO@sha256:DIGEST}
   */
  public Map<String, String> pushExamples(Path repoRoot) throws IOException, InterruptedException {
    Process build = new ProcessBuilder(repoRoot.resolve("services/oci/build.sh").toString(), "--push", address)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (build.waitFor() != 0) {
      throw new IOException("services/oci/build.sh --push " + address + " failed");
    }
    Map<String, String> images = new LinkedHashMap<>();
    for (String line : out.strip().split("\n")) {
      String[] kv = line.split("=", 2);
      if (kv.length == 2) {
        images.put(kv[0], kv[1]);
      }
    }
    return images;
  }

  @Override
  public void close() {
    process.destroy();
  }
}
