package dev.tandem.core.rpc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Transport#http}: each request is a blocking {@link HttpClient#send} on a virtual thread of its own.
 *
 * <p>Not {@link HttpClient#sendAsync}: it completes every answer on the common fork-join pool, which has a single
 * thread on a 2-core machine, so the checks of one call's answers (a signature each) waited for one another there,
 * and for whatever else the pool was running. Here whatever the caller chains on a reply runs on that request's own
 * thread, and the answers of one call are checked in parallel.
 *
 * <p>The request's timeout covers the whole answer, body included ({@link BoundedWork}): a server that trickles its
 * answer is hung up on when it passes, and so is one whose reply the caller cancels.
 */
final class HttpTransport implements Transport {
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
    return BoundedWork.run(r.wholeTime(), "the answer from " + r.url(), () -> {
      HttpResponse<byte[]> res;
      try {
        res = sendOnce(request, body);
      } catch (IOException e) {
        if (!Transport.closedBeforeAnswering(e)) {
          throw e;
        }
        res = sendOnce(request, body); // on a new connection
      }
      return new Reply(res.statusCode(), res.body(), res.headers().firstValue("Content-Type").orElse(""));
    });
  }

  private HttpResponse<byte[]> sendOnce(HttpRequest request, HttpResponse.BodyHandler<byte[]> body)
      throws IOException, InterruptedException {
    try {
      return http.send(request, body);
    } catch (IOException e) {
      if (e.getCause() instanceof AnswerTooLargeException large) { // the JDK wraps what the body handler threw
        throw large;
      }
      throw e;
    }
  }
}
