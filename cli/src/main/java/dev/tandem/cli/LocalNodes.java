package dev.tandem.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The nodes started on this machine by this user, so that an operator's command ({@code tandem offer --node URL})
 * finds the admin token of a local node without being told its data dir. {@code tandem node} leaves one small file
 * per address in {@code ~/.tandem/nodes/}, holding the path of its admin token file (never the token itself).
 */
final class LocalNodes {
  private LocalNodes() {}

  static Path dir() {
    return Path.of(System.getProperty("user.home"), ".tandem", "nodes");
  }

  /** Remembers where the admin token of the node reached at {@code urls} is; best effort, a node runs without it. */
  static void remember(Path tokenFile, URI... urls) {
    for (URI url : urls) {
      entry(url).ifPresent(e -> {
        try {
          Files.createDirectories(e.getParent());
          dev.tandem.node.store.AtomicFiles.write(e, (tokenFile.toAbsolutePath() + "\n").getBytes(
              java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException ignored) {
          // a read-only home: operator commands then need --token-file or --data-dir
        }
      });
    }
  }

  /** The admin token file of the node at {@code url}, if a node on this machine was started there. */
  static Optional<Path> tokenFile(URI url) {
    return entry(url).filter(Files::isRegularFile).flatMap(e -> {
      try {
        Path token = Path.of(Files.readString(e).strip());
        return Files.isRegularFile(token) ? Optional.of(token) : Optional.empty();
      } catch (IOException | RuntimeException unreadable) {
        return Optional.empty();
      }
    });
  }

  /** The file for a loopback URL ({@code 127.0.0.1}, {@code localhost}, {@code [::1]} are one machine); else none. */
  private static Optional<Path> entry(URI url) {
    if (url.getHost() == null || url.getPort() <= 0 || !isLoopback(url.getHost())) {
      return Optional.empty();
    }
    return Optional.of(dir().resolve("loopback-" + url.getPort()));
  }

  private static boolean isLoopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    return h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }
}
