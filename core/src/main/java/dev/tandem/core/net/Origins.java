package dev.tandem.core.net;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Server URLs are origins: {@code http(s)://host[:port]}, with no path (a lone {@code /} is tolerated), query,
 * fragment or credentials. A node adds its own paths ({@code /rpc}, {@code /services/ID}, {@code /modules/CID}), so
 * a record cannot aim every reader at an arbitrary path of some other server.
 */
public final class Origins {
  private Origins() {}

  /** What keeps {@code url} from being an origin, or empty when it is one. */
  public static Optional<String> problem(URI url) {
    if (url == null || url.getScheme() == null) {
      return Optional.of("must be an absolute http: or https: URL");
    }
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must be an http: or https: URL, got '" + scheme + ":'");
    }
    if (url.getHost() == null || url.getHost().isEmpty()) {
      return Optional.of("must name a host");
    }
    if (url.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials");
    }
    String path = url.getRawPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      return Optional.of("must be an origin (scheme://host[:port]) without a path, got path '" + path + "'");
    }
    if (url.getRawQuery() != null || url.getRawFragment() != null) {
      return Optional.of("must be an origin (scheme://host[:port]) without a query or fragment");
    }
    return Optional.empty();
  }

  /**
   * Returns {@code url} when it is an origin.
   *
   * @throws IllegalArgumentException "{@code name} must be an origin …"
   */
  public static URI require(String name, URI url) {
    problem(url).ifPresent(p -> {
      throw new IllegalArgumentException(name + " " + p + ": " + url);
    });
    return url;
  }
}
