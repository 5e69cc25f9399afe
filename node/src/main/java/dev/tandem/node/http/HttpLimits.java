package dev.tandem.node.http;

/**
 * How much a stranger's HTTP request may hold: a body must arrive within its deadline, which is
 * {@code min(bodyTimeoutMs, 2 s + length / minBodyRate)} (bodies are read without holding a thread, so a slow sender
 * costs a connection, never a worker); at most {@code maxQueuedRequests} requests with a body may wait for or hold a
 * worker, more are answered 503 / -32000 overloaded at once, before any work.
 */
public record HttpLimits(long bodyTimeoutMs, long minBodyRate, int maxQueuedRequests) {
  public HttpLimits {
    if (bodyTimeoutMs < 1 || minBodyRate < 1 || maxQueuedRequests < 1) {
      throw new IllegalArgumentException("HTTP limits must be positive: " + bodyTimeoutMs + ", " + minBodyRate + ", "
          + maxQueuedRequests);
    }
  }

  /** The deadline for a body of {@code declared} bytes (negative: unknown, as with chunked bodies). */
  long bodyDeadlineMs(long declared) {
    if (declared < 0) {
      return bodyTimeoutMs;
    }
    return Math.min(bodyTimeoutMs, 2_000 + declared * 1000 / minBodyRate);
  }
}
