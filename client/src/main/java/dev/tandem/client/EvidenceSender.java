package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.EvidenceReport;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Methods;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends evidence to the nodes the client knows with {@code tandem_submitEvidence}, in the background: the call that
 * found the lie does not wait for it. Bounded: at most {@code fanout} nodes, each with a short timeout.
 */
final class EvidenceSender {
  /** The longest answer to a submission read: a JSON-RPC receipt, with room to spare. */
  private static final long ANSWER_BYTES = 64 << 10;

  private final Transport transport;
  private final Duration timeout;
  private final int fanout;
  private final AtomicLong ids = new AtomicLong();
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

  EvidenceSender(Transport transport, Duration timeout, int fanout) {
    this.transport = transport;
    this.timeout = timeout;
    this.fanout = fanout;
  }

  CompletableFuture<List<EvidenceDelivery>> send(Evidence evidence, List<URI> nodes) {
    ObjectNode params = EvidenceReport.unsigned(evidence);
    List<CompletableFuture<EvidenceDelivery>> sends = new ArrayList<>();
    for (URI node : nodes.subList(0, Math.min(fanout, nodes.size()))) {
      byte[] body = JsonRpc.request(ids.incrementAndGet(), Methods.SUBMIT_EVIDENCE, params).toString()
          .getBytes(StandardCharsets.UTF_8);
      sends.add(deliver(NodeUrls.base(node), body));
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

  /** One submission; never completes exceptionally. Messages are those of {@link NodeClient}. */
  private CompletableFuture<EvidenceDelivery> deliver(URI node, byte[] body) {
    CompletableFuture<Transport.Reply> sent;
    try {
      // The answer is a short receipt; a node that sends more is cut off.
      sent = transport.send(Transport.Request.post(NodeUrls.rpc(node), body, timeout).limit(ANSWER_BYTES));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new EvidenceDelivery(node, false, e.getMessage()));
    }
    return sent.handle((reply, error) -> {
      if (error != null) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return new EvidenceDelivery(node, false, switch (e) {
          case ConnectException c -> "cannot reach node at " + node + " (connection refused)";
          case HttpTimeoutException t -> "node at " + node + " did not answer in time";
          default -> e.getMessage();
        });
      }
      JsonNode json;
      try {
        json = Json.parse(reply.body());
      } catch (JsonFormatException e) {
        return new EvidenceDelivery(node, false, node + " answered HTTP " + reply.status()
            + " with a body that is not JSON");
      }
      if (json.has("error")) {
        return new EvidenceDelivery(node, false, json.get("error").path("message").asText() + " (code "
            + json.get("error").path("code").asInt() + ")");
      }
      return new EvidenceDelivery(node, true, String.valueOf(json.get("result")));
    });
  }
}
