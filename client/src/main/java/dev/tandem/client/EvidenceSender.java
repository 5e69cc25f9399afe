package dev.tandem.client;

import dev.tandem.core.wire.Evidence;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends evidence to the nodes the client knows with {@code tandem_submitEvidence}, in the background: the call that
 * found the lie does not wait for it. Bounded: at most {@code fanout} nodes, each with a short timeout.
 */
final class EvidenceSender {
  private final HttpClient http;
  private final ExecutorService executor;
  private final Duration timeout;
  private final int fanout;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

  EvidenceSender(HttpClient http, ExecutorService executor, Duration timeout, int fanout) {
    this.http = http;
    this.executor = executor;
    this.timeout = timeout;
    this.fanout = fanout;
  }

  CompletableFuture<List<EvidenceDelivery>> send(Evidence evidence, List<URI> nodes) {
    List<CompletableFuture<EvidenceDelivery>> sends = new ArrayList<>();
    for (URI node : nodes.subList(0, Math.min(fanout, nodes.size()))) {
      sends.add(CompletableFuture.supplyAsync(() -> deliver(evidence, node), executor));
    }
    CompletableFuture<List<EvidenceDelivery>> all = CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
        .thenApply(v -> sends.stream().map(CompletableFuture::join).toList());
    pending.add(all);
    all.whenComplete((r, e) -> pending.remove(all));
    return all;
  }

  /** Waits up to {@code timeout} for evidence still on its way, so closing the client right after a call does not
   * cut it off. */
  void awaitPending(Duration timeout) {
    CompletableFuture<?>[] open = pending.toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(open).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // best effort: what has not arrived by now is given up
    }
  }

  private EvidenceDelivery deliver(Evidence evidence, URI node) {
    try {
      return new EvidenceDelivery(node, true,
          new NodeClient(node, null, http, timeout).submitEvidence(evidence).toString());
    } catch (Exception e) {
      return new EvidenceDelivery(node, false, e.getMessage());
    }
  }
}
