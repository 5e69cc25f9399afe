package dev.tandem.core.rpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a body of at most {@code max} bytes, failing (and cancelling the download) beyond, and tells a
 * {@link Transport.Progress} as it grows.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final int max;
  private final Transport.Progress progress;
  private final long declared;
  private Flow.Subscription subscription;

  LimitedBody(HttpResponse.ResponseInfo info, int max, Transport.Progress progress) {
    this.max = max;
    this.progress = progress;
    this.declared = info.headers().firstValueAsLong("content-length").orElse(-1);
    if (declared > max) {
      body.completeExceptionally(tooLarge());
    }
  }

  private IOException tooLarge() {
    return new AnswerTooLargeException(max);
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
    progress.received(out.size(), declared);
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
