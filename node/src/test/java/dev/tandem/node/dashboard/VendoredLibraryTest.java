package dev.tandem.node.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's graph library is committed (so the build needs no network); this checks the committed copy is the
 * pinned npm package's file, byte for byte, whenever {@code node/dashboard/vendor.sh} has installed the package.
 */
class VendoredLibraryTest {
  static final String VERSION = "3.34.4";

  static Path moduleRoot() {
    Path p = Path.of("").toAbsolutePath();
    return Files.isDirectory(p.resolve("dashboard")) ? p : p.resolve("node");
  }

  @Test
  void pinnedVersionIsTheOneInTheLockFile() throws Exception {
    Path dashboard = moduleRoot().resolve("dashboard");
    JsonNode pkg = Json.parse(Files.readAllBytes(dashboard.resolve("package.json")));
    assertThat(pkg.path("dependencies").path("cytoscape").asText()).isEqualTo(VERSION);
    JsonNode lock = Json.parse(Files.readAllBytes(dashboard.resolve("package-lock.json")));
    assertThat(lock.path("packages").path("node_modules/cytoscape").path("version").asText()).isEqualTo(VERSION);
    assertThat(lock.path("packages").path("node_modules/cytoscape").path("integrity").asText()).startsWith("sha512-");
  }

  @Test
  void committedCopyIsThePinnedPackagesFile() throws Exception {
    Path installed = moduleRoot().resolve("dashboard/node_modules/cytoscape");
    assumeTrue(Files.isDirectory(installed), "node/dashboard/node_modules is absent: run node/dashboard/vendor.sh "
        + "to compare the committed copy with the pinned package");
    JsonNode pkg = Json.parse(Files.readAllBytes(installed.resolve("package.json")));
    assertThat(pkg.path("version").asText()).isEqualTo(VERSION);
    Path vendor = moduleRoot().resolve("src/main/resources/dashboard/vendor");
    assertThat(Files.readAllBytes(vendor.resolve("cytoscape.min.js")))
        .isEqualTo(Files.readAllBytes(installed.resolve("dist/cytoscape.min.js")));
    assertThat(Files.readAllBytes(vendor.resolve("cytoscape.LICENSE")))
        .isEqualTo(Files.readAllBytes(installed.resolve("LICENSE")));
  }
}
