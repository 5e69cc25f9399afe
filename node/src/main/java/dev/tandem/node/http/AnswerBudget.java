package dev.tandem.node.http;

import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Bounds what the gateway's answers hold while strangers read them. A file is read whole into memory before it is
 * sent (up to 64 MiB), and a reader that takes a byte a minute would otherwise hold it for days, so a few such readers
 * per address could exhaust the heap. So: few answers are built at once ({@link #tryBuild}); the bytes of the answers
 * being sent are capped (past the cap a GET gets 503 / -32000 at once, before anything is read from disk); and an
 * answer must be read within 10 s plus a second per 256 KiB (the rule a Tandem download follows), or its connection is
 * closed and its bytes let go.
 */
final class AnswerBudget {
  /** Answers built (read from disk into memory) at once. */
  static final int BUILDERS = 4;
  /** The slowest reading allowed after the first {@link #GRACE_MS}. */
  static final long MIN_READ_RATE = 256 * 1024;
  static final long GRACE_MS = 10_000;
  private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

  private final long maxBytes;
  private final Semaphore builders = new Semaphore(BUILDERS);
  private long held;

  /** @param maxBytes the bytes that answers being sent may hold together */
  AnswerBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Whether an answer may be built now, and bytes are free; {@link #built} must follow a true. */
  boolean tryBuild() {
    synchronized (this) {
      if (held >= maxBytes) {
        return false;
      }
    }
    return builders.tryAcquire();
  }

  void built() {
    builders.release();
  }

  synchronized long held() {
    return held;
  }

  /**
   * Sends {@code body}, holding its bytes until it is read or its deadline closes the connection; false (nothing
   * sent) when the budget has no room for it.
   */
  boolean send(Request request, Response response, Callback callback, String type, byte[] body) {
    synchronized (this) {
      if (held + body.length > maxBytes) {
        return false;
      }
      held += body.length;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        synchronized (this) {
          held -= body.length;
        }
      }
    };
    long deadlineMs = GRACE_MS + body.length * 1000L / MIN_READ_RATE;
    ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
      release.run();
      request.getConnectionMetaData().getConnection().getEndPoint().close(); // the pending write fails
    }, deadlineMs, TimeUnit.MILLISECONDS);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), Callback.from(() -> {
      deadline.cancel(false);
      release.run();
      callback.succeeded();
    }, failure -> {
      deadline.cancel(false);
      release.run();
      callback.failed(failure);
    }));
    return true;
  }

  private static ScheduledThreadPoolExecutor deadlines() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon()
        .name("tandem-gateway-deadlines").factory());
    s.setRemoveOnCancelPolicy(true);
    return s;
  }
}
