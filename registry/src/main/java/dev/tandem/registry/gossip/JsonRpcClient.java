package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.registry.Registry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal JSON-RPC 2.0 client over HTTP/1.1 for node-to-node calls (gossip, evidence sync). Every call is
 * bounded: a connect timeout, an overall deadline that covers reading the body too (a peer that trickles bytes cannot
 * hold a worker), and a cap on the response size.
 */
public final class JsonRpcClient implements AutoCloseable {
  /** The largest response gossip reads: a full page of maximum-size records with room to spare. */
  static final int MAX_RESPONSE_BYTES = 80 << 20;

  private final HttpClient http;
  private final boolean ownHttp;
  private final Duration requestTimeout;
  private final int maxResponseBytes;
  private final AtomicLong ids = new AtomicLong();

  JsonRpcClient(Duration connectTimeout, Duration requestTimeout) {
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

  private JsonRpcClient(HttpClient http, boolean ownHttp, Duration requestTimeout, int maxResponseBytes) {
    this.http = http;
    this.ownHttp = ownHttp;
    this.requestTimeout = requestTimeout;
    this.maxResponseBytes = maxResponseBytes;
  }

  /** The peer answered with a JSON-RPC error: it was reached, and refused the call. */
  public static final class RpcError extends Exception {
    private final int code;

    RpcError(int code, String message) {
      super(message + " (" + code + ")");
      this.code = code;
    }

    /** The JSON-RPC error code. */
    public int code() {
      return code;
    }
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
    ObjectNode body = Json.object();
    body.put("jsonrpc", "2.0");
    body.put("id", id);
    body.put("method", method);
    body.set("params", params);
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)))
        .build();
    CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request,
        info -> new Limited(info, maxResponseBytes));
    HttpResponse<byte[]> response;
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
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + " from " + endpoint);
    }
    JsonNode answer;
    try {
      answer = Json.parse(response.body());
    } catch (JsonFormatException e) {
      throw new IOException("the answer is not JSON: " + e.getMessage());
    }
    if (!answer.isObject() || !"2.0".equals(answer.path("jsonrpc").asText())) {
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

  /**
   * The {@code log} a cursor-paged answer ({@code tandem_records}, {@code tandem_evidence}) names, {@code ""} when it
   * names none (a peer of an older release, or a log without an id).
   *
   * @param method the method answered, for the message
   * @throws IOException when it is not a string of at most {@link Registry#MAX_LOG_ID_LENGTH} printable ASCII
   *     characters (it is stored and logged, so nothing else is taken)
   */
  public static String logId(JsonNode answer, String method) throws IOException {
    JsonNode log = answer.get("log");
    if (log == null || log.isNull()) {
      return "";
    }
    String id = log.isTextual() ? log.textValue() : null;
    if (id == null || id.length() > Registry.MAX_LOG_ID_LENGTH || !id.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      String shown = log.toString();
      throw new IOException("its " + method + " answer has a log that is not a string of at most "
          + Registry.MAX_LOG_ID_LENGTH + " printable ASCII characters: "
          + (shown.length() <= 80 ? shown : shown.substring(0, 77) + "..."));
    }
    return id;
  }

  /** Shuts the HTTP client down when this client made it. */
  @Override
  public void close() {
    if (ownHttp) {
      http.shutdownNow();
    }
  }

  /** Collects a body of at most {@code max} bytes, failing (and cancelling the download) beyond. */
  private static final class Limited implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final int max;
    private Flow.Subscription subscription;

    Limited(HttpResponse.ResponseInfo info, int max) {
      this.max = max;
      long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
      if (declared > max) {
        body.completeExceptionally(tooLarge());
      }
    }

    private IOException tooLarge() {
      return new IOException("the answer is larger than " + max + " bytes");
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (body.isDone()) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (out.size() + (long) b.remaining() > max) {
          subscription.cancel();
          body.completeExceptionally(tooLarge());
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      body.complete(out.toByteArray());
    }
  }
}
