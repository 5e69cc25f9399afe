package dev.tandem.client;

import dev.tandem.core.wire.Evidence;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Sends evidence to the nodes the client knows with {@code tandem_submitEvidence}, in the background: the call that
 * found the lie does not wait for it. Bounded: at most {@code fanout} nodes, each with a short timeout.
 */
final class EvidenceSender {
  private final HttpClient http;
  private final ExecutorService executor;
  private final Duration timeout;
  private final int fanout;

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
    return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
        .thenApply(v -> sends.stream().map(CompletableFuture::join).toList());
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
