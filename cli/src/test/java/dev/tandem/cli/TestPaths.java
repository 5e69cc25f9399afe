package dev.tandem.cli;

import java.nio.file.Files;
import java.nio.file.Path;

final class TestPaths {
  private TestPaths() {}

  /** The checkout's root: the nearest folder above the working directory that holds {@code mvnw}. */
  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("mvnw"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("not inside the Tandem checkout");
    }
    return p;
  }
}
