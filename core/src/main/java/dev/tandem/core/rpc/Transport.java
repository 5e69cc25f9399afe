package dev.tandem.core.rpc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /**
   * Sends any request: a {@code GET} (a module or a file from a node's gateway) or a {@code POST} with more headers
   * (an admin token). A transport that carries JSON-RPC only (the simulated network) sends plain JSON posts through
   * {@link #post} and fails anything else with an {@link IOException} in the future.
   */
  default CompletableFuture<Reply> send(Request request) {
    if (request.method().equals("POST") && request.headers().isEmpty()) {
      return post(request.url(), request.body(), request.timeout());
    }
    return CompletableFuture.failedFuture(new IOException("this transport carries JSON-RPC posts only, not "
        + request.method() + " " + request.url()));
  }

  /**
   * One request.
   *
   * @param method           {@code GET} or {@code POST}
   * @param body             the body of a {@code POST} (JSON), empty for a {@code GET}
   * @param headers          headers beyond the JSON ones a {@code POST} always has
   * @param timeout          how long the whole exchange may take, the answer's body included (for a
   *                         {@link #download}, how long until the answer begins)
   * @param maxResponseBytes the longest answer read; a longer one fails the request (and is hung up on)
   * @param progress         told as the answer's body arrives (a transport that has the body at once may not tell)
   * @param downloading      whether the whole exchange gets {@link Transport#downloadTime} of {@code timeout} and
   *                         {@code maxResponseBytes} rather than {@code timeout} ({@link #download})
   */
  record Request(String method, URI url, byte[] body, Map<String, String> headers, Duration timeout,
      long maxResponseBytes, Progress progress, boolean downloading) {
    public Request {
      headers = Map.copyOf(headers);
    }

    /** A JSON {@code POST}. */
    public static Request post(URI url, byte[] body, Duration timeout) {
      return new Request("POST", url, body, Map.of(), timeout, Long.MAX_VALUE, Progress.NONE, false);
    }

    /** A {@code GET}. */
    public static Request get(URI url, Duration timeout) {
      return new Request("GET", url, new byte[0], Map.of(), timeout, Long.MAX_VALUE, Progress.NONE, false);
    }

    /** This request with one more header. */
    public Request header(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Request(method, url, body, more, timeout, maxResponseBytes, progress, downloading);
    }

    /** This request reading at most {@code max} bytes of the answer. */
    public Request limit(long max) {
      return new Request(method, url, body, headers, timeout, max, progress, downloading);
    }

    /** This request telling {@code p} as its answer arrives (a long download's progress). */
    public Request progress(Progress p) {
      return new Request(method, url, body, headers, timeout, maxResponseBytes, p, downloading);
    }

    /**
     * This request as a download of up to {@code maxResponseBytes} (set the {@link #limit} first): the answer must
     * begin within {@code timeout}, and the whole of it arrive within {@link Transport#downloadTime}.
     */
    public Request download() {
      return new Request(method, url, body, headers, timeout, maxResponseBytes, progress, true);
    }

    /** How long the whole exchange may take, the answer's body included. */
    public Duration wholeTime() {
      return downloading ? downloadTime(timeout, maxResponseBytes) : timeout;
    }
  }

  /** Told as an answer's body arrives: the bytes so far, and the length the server declared (-1 when it did not). */
  @FunctionalInterface
  interface Progress {
    /** Tells nothing. */
    Progress NONE = (bytes, total) -> { };

    void received(long bytes, long total);
  }

  /** What came back: the HTTP status, the body and its {@code Content-Type} ({@code ""} when none was given). */
  record Reply(int status, byte[] body, String contentType) {
    /** A JSON answer. */
    public Reply(int status, byte[] body) {
      this(status, body, "application/json");
    }
  }

  /**
   * Whether {@code e} says the server closed the connection before sending a single byte of an answer: what a
   * kept-alive connection that the server dropped as idle gives when it is reused at that moment (the JDK's HTTP
   * client reports it by this message only). Sending the request again, on a new connection, is then safe.
   */
  static boolean closedBeforeAnswering(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("header parser received no bytes")) {
        return true;
      }
    }
    return false;
  }

  /** The transport of a real client: {@code http}, HTTP/1.1 recommended. */
  static Transport http(HttpClient http) {
    return http(http, Integer.MAX_VALUE);
  }

  /** Slowest average pace of a download, in bytes a second, that {@link #downloadTime} allows. */
  long MIN_DOWNLOAD_BYTES_PER_SECOND = 256 << 10;

  /**
   * The time a download of up to {@code maxBytes} gets: {@code timeout}, and one more second for every 256 KiB it may
   * be, an hour at most. Every exchange is bounded in time, so a server that trickles a download can hold a request
   * only this long.
   */
  static Duration downloadTime(Duration timeout, long maxBytes) {
    long hour = 3_600_000;
    long bytes = Math.min(Math.max(0, maxBytes), hour / 1000 * MIN_DOWNLOAD_BYTES_PER_SECOND);
    return timeout.plusMillis(bytes * 1000 / MIN_DOWNLOAD_BYTES_PER_SECOND);
  }

  /** HTTP that reads at most {@code maxResponseBytes} of an answer, failing (and hanging up) on a longer one. */
  static Transport http(HttpClient http, int maxResponseBytes) {
    return new HttpTransport(http, maxResponseBytes);
  }
}
