package dev.tandem.client;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository that tests read: example modules and the shared verifier cases. */
public final class TestFiles {
  private TestFiles() {}

  /** The repository root: the first directory above the working directory that holds {@code services/}. */
  public static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("services"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("services/ not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  public static byte[] read(String relative) {
    try {
      return Files.readAllBytes(repoRoot().resolve(relative));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
