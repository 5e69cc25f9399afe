package dev.tandem.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The demo's folder: wiped and reused by every run, so it is marked as the demo's, and a folder that is neither
 * empty nor marked is refused rather than wiped (a mistyped {@code --dir} must not cost anyone their files).
 */
final class DemoFolder {
  /** A file that marks a folder as made by the demo: only such a folder (or an empty one) is ever wiped. */
  static final String MARKER = ".tandem-demo";

  private DemoFolder() {}

  /** Empties {@code dir} when it is new, empty or an earlier demo's folder; refuses any other folder. */
  static void prepare(Path dir) throws IOException {
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(dir + " exists and is not a folder");
      }
      boolean empty;
      try (Stream<Path> s = Files.list(dir)) {
        empty = s.findAny().isEmpty();
      }
      if (!empty && !Files.exists(dir.resolve(MARKER))) {
        throw new IllegalArgumentException(dir + " is not empty and was not made by the demo; "
            + "refusing to wipe it (choose another --dir)");
      }
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          if (!p.equals(dir)) {
            Files.delete(p);
          }
        }
      }
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(MARKER), "made by `tandem demo`; wiped and reused by the next run\n");
  }
}
