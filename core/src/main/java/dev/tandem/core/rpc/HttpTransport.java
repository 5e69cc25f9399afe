package dev.tandem.core.rpc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * {@link Transport#http}: each request is a blocking {@link HttpClient#send} on a virtual thread of its own.
 *
 * <p>Not {@link HttpClient#sendAsync}: it completes every answer on the common fork-join pool, which has a single
 * thread on a 2-core machine, so the checks of one call's answers (a signature each) waited for one another there,
 * and for whatever else the pool was running. Here whatever the caller chains on a reply runs on that request's own
 * thread, and the answers of one call are checked in parallel.
 */
final class HttpTransport implements Transport {
  private static final Executor REQUESTS =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-request-", 0).factory());

  private final HttpClient http;
  private final int maxResponseBytes;

  HttpTransport(HttpClient http, int maxResponseBytes) {
    this.http = http;
    this.maxResponseBytes = maxResponseBytes;
  }

  @Override
  public CompletableFuture<Reply> post(URI url, byte[] body, Duration timeout) {
    return send(Request.post(url, body, timeout));
  }

  @Override
  public CompletableFuture<Reply> send(Request r) {
    HttpRequest.Builder req = HttpRequest.newBuilder(r.url()).timeout(r.timeout());
    if (r.method().equals("POST")) {
      req.header("Content-Type", "application/json").header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(r.body()));
    } else {
      req.method(r.method(), HttpRequest.BodyPublishers.noBody());
    }
    r.headers().forEach(req::setHeader);
    int max = (int) Math.min(maxResponseBytes, Math.min(Integer.MAX_VALUE - 8L, r.maxResponseBytes()));
    HttpRequest request = req.build();
    HttpResponse.BodyHandler<byte[]> body = info -> new LimitedBody(info, max, r.progress());
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    REQUESTS.execute(() -> {
      if (reply.isDone()) { // cancelled before it was sent
        return;
      }
      try {
        HttpResponse<byte[]> res;
        try {
          res = http.send(request, body);
        } catch (IOException e) {
          if (!Transport.closedBeforeAnswering(e)) {
            throw e;
          }
          res = http.send(request, body); // on a new connection
        }
        reply.complete(new Reply(res.statusCode(), res.body(), res.headers().firstValue("Content-Type").orElse("")));
      } catch (IOException | RuntimeException e) {
        reply.completeExceptionally(e);
      } catch (InterruptedException e) {
        reply.completeExceptionally(new IOException("interrupted while waiting for " + r.url(), e));
      }
    });
    return reply;
  }
}
