package dev.tandem.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How a client's JSON-RPC requests reach servers: {@code POST} a body, get a status and a body back. The SDK uses
 * HTTP ({@link #http}); a simulation supplies its own to run the real call logic over a simulated network.
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
    return (url, body, timeout) -> {
      HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
          .thenApply(res -> new Reply(res.statusCode(), res.body()));
    };
  }
}
