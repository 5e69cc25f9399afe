package dev.tandem.node.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;

/**
 * Cross-origin access for web pages (docs/operating-a-node.md, "Browsers"): a dApp page calls services, reads the
 * public JSON-RPC methods and fetches modules from any node, so those answers carry
 * {@code Access-Control-Allow-Origin: *} and their preflight is answered. Nothing a page gets this way needs trust:
 * answers are signed and modules are checked against their CIDs.
 *
 * <p>Admin methods stay closed to pages: a preflight allows only {@code Content-Type}, so a browser never sends an
 * {@code Authorization} header cross-origin, and a request that carries one (a non-browser client) gets no CORS
 * headers. Credentials (cookies) are never allowed: the wildcard origin forbids them.
 */
final class Cors {
  private static final String MAX_AGE_SECONDS = "600";

  private Cors() {}

  /** Whether a request to {@code path} gets CORS headers: the service, public RPC and gateway routes only. */
  static boolean applies(String path, String method, boolean hasAuthorization) {
    if (hasAuthorization) {
      return false;
    }
    boolean post = "POST".equals(method) || "OPTIONS".equals(method);
    boolean get = "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
    return (path.startsWith("/services/") || path.equals("/rpc")) && post
        || (path.startsWith("/ipfs/") || path.equals("/health")) && get;
  }

  static void allow(Response response) {
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "X-Ipfs-Roots, Etag");
  }

  /** The answer to a preflight: the one method the route takes, {@code Content-Type} and nothing else. */
  static void preflight(String path, Response response) {
    boolean post = path.startsWith("/services/") || path.equals("/rpc");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, post ? "POST" : "GET, HEAD");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
    response.getHeaders().put(HttpHeader.VARY, "Origin");
  }
}
