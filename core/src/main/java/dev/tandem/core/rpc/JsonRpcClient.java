package dev.tandem.core.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.JsonRpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal JSON-RPC 2.0 client for node-to-node calls (gossip, the evidence sync, evidence forwarding), over a
 * {@link Transport}: HTTP/1.1 on a real node, the simulated network in {@code tandem simulate}. Every call is
 * bounded: an overall deadline that covers reading the body too (a peer that trickles bytes cannot hold a worker),
 * and, over HTTP, a connect timeout and a cap on the response size.
 */
public final class JsonRpcClient implements AutoCloseable {
  /** The largest response gossip reads: a full page of maximum-size records with room to spare. */
  public static final int MAX_RESPONSE_BYTES = 80 << 20;

  private final Transport transport;
  private final HttpClient ownHttp;
  private final Duration requestTimeout;
  private final AtomicLong ids = new AtomicLong();

  /** A client with an HTTP client of its own, shut down when this one closes. */
  public JsonRpcClient(Duration connectTimeout, Duration requestTimeout) {
    this(HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build(), true, requestTimeout, MAX_RESPONSE_BYTES);
  }

  /**
   * A client over {@code http}, which stays open when this one closes.
   *
   * @param requestTimeout deadline of a whole call, the answer's body included
   * @param maxResponseBytes the largest answer read; a larger one fails the call
   */
  public JsonRpcClient(HttpClient http, Duration requestTimeout, int maxResponseBytes) {
    this(http, false, requestTimeout, maxResponseBytes);
  }

  /** A client over any transport (the simulated network, say), with {@code requestTimeout} per call. */
  public JsonRpcClient(Transport transport, Duration requestTimeout) {
    this.transport = transport;
    this.ownHttp = null;
    this.requestTimeout = requestTimeout;
  }

  private JsonRpcClient(HttpClient http, boolean own, Duration requestTimeout, int maxResponseBytes) {
    this.transport = Transport.http(http, maxResponseBytes);
    this.ownHttp = own ? http : null;
    this.requestTimeout = requestTimeout;
  }

  /** The peer answered with a JSON-RPC error: it was reached, and refused the call. */
  public static final class RpcError extends Exception {
    private final int code;

    public RpcError(int code, String message) {
      super(message + " (" + code + ")");
      this.code = code;
    }

    /** The JSON-RPC error code. */
    public int code() {
      return code;
    }
  }

  /** Every request reads at most {@link #MAX_RESPONSE_BYTES}, whatever transport it goes over. */
  private CompletableFuture<Transport.Reply> post(URI endpoint, byte[] body) {
    return transport.send(Transport.Request.post(endpoint, body, requestTimeout).limit(MAX_RESPONSE_BYTES));
  }

  /**
   * Sends {@code method} to {@code endpoint} without waiting for the answer (evidence forwarding): failures are
   * reported through the future only.
   */
  public CompletableFuture<Transport.Reply> send(URI endpoint, String method, JsonNode params) {
    return post(endpoint, body(method, params, ids.incrementAndGet()));
  }

  /**
   * Calls {@code method} at {@code endpoint} and returns the {@code result}.
   *
   * @throws RpcError when the peer answered with a JSON-RPC error
   * @throws IOException when the peer could not be reached in time or did not answer with JSON-RPC
   */
  public JsonNode call(URI endpoint, String method, JsonNode params)
      throws IOException, RpcError, InterruptedException {
    long id = ids.incrementAndGet();
    CompletableFuture<Transport.Reply> pending = post(endpoint, body(method, params, id));
    Transport.Reply response;
    try {
      response = pending.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new IOException("no complete answer within " + requestTimeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      pending.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
    }
    return result(endpoint, id, response);
  }

  /**
   * Calls {@code method} at {@code endpoint} without waiting: the future gets the {@code result}, or fails with an
   * {@link RpcError} (the peer refused the call) or an {@link IOException} (unreachable, not JSON-RPC). The deadline
   * is the transport's for this request; a caller that must also bound a slow body sets its own on the future.
   */
  public CompletableFuture<JsonNode> callAsync(URI endpoint, String method, JsonNode params) {
    long id = ids.incrementAndGet();
    return post(endpoint, body(method, params, id)).thenApply(reply -> {
      try {
        return result(endpoint, id, reply);
      } catch (IOException | RpcError e) {
        throw new CompletionException(e);
      }
    });
  }

  private static byte[] body(String method, JsonNode params, long id) {
    return JsonRpc.request(id, method, params).toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code result} of a JSON-RPC answer to request {@code id}, checked. */
  static JsonNode result(URI endpoint, long id, Transport.Reply response) throws IOException, RpcError {
    if (response.status() != 200) {
      throw new IOException("HTTP " + response.status() + " from " + endpoint);
    }
    JsonNode answer;
    try {
      answer = Json.parse(response.body());
    } catch (JsonFormatException e) {
      throw new IOException("the answer is not JSON: " + e.getMessage());
    }
    if (!answer.isObject() || !JsonRpc.VERSION.equals(answer.path("jsonrpc").asText())) {
      throw new IOException("the answer is not a JSON-RPC 2.0 response");
    }
    if (!answer.path("id").isIntegralNumber() || answer.path("id").asLong() != id) {
      throw new IOException("the answer has id " + answer.path("id") + ", the request " + id);
    }
    JsonNode error = answer.get("error");
    if (error != null && !error.isNull()) {
      throw new RpcError(error.path("code").asInt(0), error.path("message").asText("(no message)"));
    }
    JsonNode result = answer.get("result");
    if (result == null) {
      throw new IOException("the answer has neither result nor error");
    }
    return result;
  }

  /** Shuts the HTTP client down when this client made it. */
  @Override
  public void close() {
    if (ownHttp != null) {
      ownHttp.shutdownNow();
    }
  }
}
