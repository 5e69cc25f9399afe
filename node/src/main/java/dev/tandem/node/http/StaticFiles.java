package dev.tandem.node.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Read-only files from one folder of the classpath (the dashboard's HTML, script, style and vendored library).
 * Only plain lower-case names, optionally in {@code vendor/}, are looked up, so a request can never reach outside the
 * folder; files found are read once and kept, as resources do not change while the node runs. Misses are never
 * kept: a stranger asking for endless made-up names must not grow the cache.
 */
final class StaticFiles {
  /** One file and its content type. */
  record File(byte[] bytes, String type) {}

  private static final Pattern NAME = Pattern.compile("(vendor/)?[a-z0-9][a-z0-9._-]*");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "json", "application/json",
      "svg", "image/svg+xml",
      "png", "image/png",
      "ico", "image/x-icon");

  private final String folder;
  private final Map<String, File> cache = new ConcurrentHashMap<>();

  StaticFiles(String folder) {
    this.folder = folder;
  }

  /** The file at {@code name} inside the folder, or empty when the name is not allowed or nothing is there. */
  Optional<File> get(String name) {
    if (name.length() > 128 || !NAME.matcher(name).matches() || name.contains("..")) {
      return Optional.empty();
    }
    File known = cache.get(name);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<File> found = load(name);
    found.ifPresent(f -> cache.putIfAbsent(name, f));
    return found;
  }

  /** How many files are kept (only files that exist). */
  int cached() {
    return cache.size();
  }

  private Optional<File> load(String name) {
    try (InputStream in = StaticFiles.class.getResourceAsStream("/" + folder + "/" + name)) {
      if (in == null) {
        return Optional.empty();
      }
      int dot = name.lastIndexOf('.');
      String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
      return Optional.of(new File(in.readAllBytes(), TYPES.getOrDefault(ext, "application/octet-stream")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
