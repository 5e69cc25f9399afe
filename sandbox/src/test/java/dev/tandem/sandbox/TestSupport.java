package dev.tandem.sandbox;

import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Shared helpers: fixtures, the repository root, canonical requests. */
final class TestSupport {
  private TestSupport() {}

  /** A module from src/test/resources/fixtures (built by src/test/fixtures/build.sh). */
  static byte[] fixture(String name) {
    try (InputStream in = TestSupport.class.getResourceAsStream("/fixtures/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test fixture " + name + "; run sandbox/src/test/fixtures/build.sh");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the nearest directory upwards from the working directory that has services/. */
  static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("services")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }

  /** A file under the repository root, if it exists. */
  static Optional<Path> repoFile(String relative) {
    Path p = repoRoot().resolve(relative);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The canonical request {@code {"method":m,"params":p}}; {@code paramsJson} is JSON text. */
  static byte[] request(String method, String paramsJson) {
    try {
      var call = Json.object();
      call.put("method", method);
      call.set("params", Json.parse(paramsJson));
      return Jcs.canonicalize(call);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  /** Whether a command is on the PATH. */
  static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
