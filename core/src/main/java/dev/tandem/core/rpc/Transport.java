package dev.tandem.core.rpc;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How JSON-RPC requests reach nodes, the client's and a node's own: {@code POST} a body, get a status and a body
 * back. Real clients and nodes use HTTP ({@link #http}); the simulation supplies its own to run the real client and
 * node code over a simulated network.
 *
 * <p>Failures complete the future exceptionally the way {@link HttpClient} does, because that is how the client
 * tells them apart: {@link java.net.http.HttpTimeoutException} when no answer came within the timeout,
 * {@link java.net.ConnectException} when the connection was refused, any other {@link java.io.IOException} when it
 * broke.
 */
public interface Transport {

  /**
   * Sends {@code body} (JSON) to {@code url} with {@code POST}. Failures on the way complete the future; a request
   * that cannot be sent at all (a malformed URL) may throw at once.
   */
  CompletableFuture<Reply> post(URI url, byte[] body, Duration timeout);

  /** What came back: the HTTP status and the body. */
  record Reply(int status, byte[] body) {}

  /** The transport of a real client: {@code http}, HTTP/1.1 recommended. */
  static Transport http(HttpClient http) {
    return http(http, Integer.MAX_VALUE);
  }

  /** HTTP that reads at most {@code maxResponseBytes} of an answer, failing (and hanging up) on a longer one. */
  static Transport http(HttpClient http, int maxResponseBytes) {
    return (url, body, timeout) -> {
      HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
          .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      return http.sendAsync(req, info -> new LimitedBody(info, maxResponseBytes))
          .thenApply(res -> new Reply(res.statusCode(), res.body()));
    };
  }
}
