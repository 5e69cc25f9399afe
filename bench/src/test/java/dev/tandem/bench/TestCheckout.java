package dev.tandem.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout root for tests: {@code -Dtandem.root}, else the nearest folder above holding {@code mvnw}. */
public final class TestCheckout {
  private TestCheckout() {}

  public static Path root() {
    if (System.getProperty("tandem.root") != null) {
      return Path.of(System.getProperty("tandem.root"));
    }
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("mvnw"))) {
      p = p.getParent();
    }
    return p == null ? Path.of("..") : p;
  }
}
