package dev.tandem.core.rpc;

import java.net.URI;
import java.util.Locale;

/** How nodes' base URLs are compared and joined with the paths of the wire protocol. */
public final class NodeUrls {
  private NodeUrls() {}

  /** {@code base} without a trailing slash: how node URLs are compared and joined with paths. */
  public static URI base(URI base) {
    String s = base.toString();
    return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }

  /** The node's JSON-RPC endpoint, {@code POST /rpc}. */
  public static URI rpc(URI base) {
    return URI.create(base(base) + "/rpc");
  }

  /** The endpoint of a service's calls, {@code POST /services/{id}}. */
  public static URI service(URI base, String serviceId) {
    return URI.create(base(base) + "/services/" + serviceId);
  }

  /**
   * The canonical form of a peer's base URL, used as its identity: lower-case scheme and host, no trailing slash,
   * no query or fragment.
   *
   * @throws IllegalArgumentException when it is not an absolute http(s) URL with a host
   */
  public static URI peer(URI url) {
    if (url == null || url.getScheme() == null || url.getHost() == null) {
      throw new IllegalArgumentException("a peer must be an absolute http(s) URL with a host, got " + url);
    }
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("a peer must be an http: or https: URL, got " + url);
    }
    if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
      throw new IllegalArgumentException("a peer URL has no query, fragment or credentials, got " + url);
    }
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String host = url.getHost().toLowerCase(Locale.ROOT);
    return URI.create(scheme + "://" + host + (url.getPort() >= 0 ? ":" + url.getPort() : "") + path);
  }
}
