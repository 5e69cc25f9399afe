package dev.tandem.client;

import dev.tandem.client.referee.Referee;
import dev.tandem.core.score.Scores;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Everything a {@link CallRun} (and the {@link Dispute} and {@link AuditRun} it leads to) needs from its client: the
 * parts the client made once and shares between its calls.
 */
record CallContext(Directory directory, Scores scores, Exchange exchange, Selector selector, EvidenceSender evidence,
    CallSettings settings, AtomicLong ids, CallClock time, Referee referee, Executor auditExecutor,
    BiConsumer<CallReport, CallReport.Audit> auditListener) {
  /** A fresh JSON-RPC id for a request of this client. */
  long nextId() {
    return ids.incrementAndGet();
  }
}
