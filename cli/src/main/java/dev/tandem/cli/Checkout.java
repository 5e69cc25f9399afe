package dev.tandem.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the Tandem checkout (the folder holding {@code services/}), for commands that use the example modules:
 * first above the current folder, then above the running code (so {@code ./tandem demo} works from anywhere).
 */
public final class Checkout {
  private Checkout() {}

  /** The checkout root, or a clear error. */
  public static Path root() {
    return find().orElseThrow(() -> new Errors.UserException(
        "cannot find the Tandem checkout (a folder with services/) above " + Path.of("").toAbsolutePath()
            + " or the tandem jar; run from the checkout"));
  }

  static Optional<Path> find() {
    Optional<Path> fromCwd = above(Path.of("").toAbsolutePath());
    if (fromCwd.isPresent()) {
      return fromCwd;
    }
    try {
      var location = Checkout.class.getProtectionDomain().getCodeSource().getLocation();
      return location == null ? Optional.empty() : above(Path.of(location.toURI()).toAbsolutePath());
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> above(Path start) {
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("services/search/search.wasm"))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
