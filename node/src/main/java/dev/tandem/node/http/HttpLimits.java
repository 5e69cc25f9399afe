package dev.tandem.node.http;

/**
 * How much a stranger's HTTP request may hold: a body must arrive within its deadline, which is
 * {@code min(bodyTimeoutMs, 2 s + length / minBodyRate)} (bodies are read without holding a thread, so a slow sender
 * costs a connection, never a worker); at most {@code maxQueuedRequests} requests with a body may wait for or hold a
 * worker, more are answered 503 / -32000 overloaded at once, before any work. A body to {@code /rpc} or
 * {@code /services} holds at most {@code maxBodyBytes}; a file uploaded to {@code POST /ipfs} (by the operator, whose
 * token is checked first) at most {@code maxUploadBytes}, with time for that many bytes at the minimum rate. The
 * answers of {@code GET /ipfs} hold at most {@code gatewayBytes} while they are read ({@link AnswerBudget}).
 */
public record HttpLimits(long bodyTimeoutMs, long minBodyRate, int maxQueuedRequests, int maxBodyBytes,
    int maxUploadBytes, long gatewayBytes) {
  public HttpLimits {
    if (bodyTimeoutMs < 1 || minBodyRate < 1 || maxQueuedRequests < 1 || maxBodyBytes < 1 || maxUploadBytes < 1) {
      throw new IllegalArgumentException("--body-timeout-ms, --min-body-rate, --max-queued-requests, "
          + "--max-body-bytes and --max-upload-mb must be at least 1; got " + bodyTimeoutMs + ", " + minBodyRate + ", "
          + maxQueuedRequests + ", " + maxBodyBytes + ", " + maxUploadBytes);
    }
  }

  /** The deadline for a body of {@code declared} bytes (negative: unknown, as with chunked bodies). */
  long bodyDeadlineMs(long declared) {
    if (declared < 0) {
      return bodyTimeoutMs;
    }
    return Math.min(bodyTimeoutMs, 2_000 + declared * 1000 / minBodyRate);
  }

  /** The deadline for an upload: the operator's file may take longer than a stranger's request, never forever. */
  long uploadDeadlineMs(long declared) {
    long bytes = declared < 0 ? maxUploadBytes : declared;
    return Math.max(bodyDeadlineMs(declared), 2_000 + bytes * 1000 / minBodyRate);
  }
}
