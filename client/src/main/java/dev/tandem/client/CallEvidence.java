package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evidence a {@link CallRun} leaves for the nodes (docs/protocol.md, "Evidence"): the signed answers that
 * conflict, or those of servers the client convicted, sent to the nodes it knows but the convicted servers' own.
 */
final class CallEvidence {
  private static final Logger LOG = LoggerFactory.getLogger(CallEvidence.class);

  private final CallRun r;
  private final CallContext ctx;

  CallEvidence(CallRun run) {
    this.r = run;
    this.ctx = run.ctx;
  }

  /**
   * Evidence for the nodes: one piece of the conflict form when the answers (the home server's included) differ,
   * else one single attestation per convicted signer, which a node checks by re-running it.
   */
  List<Evidence> of(List<Answer.Vote> extra, Set<PublicKey> convicted) {
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    Set<PublicKey> seen = new LinkedHashSet<>();
    List<Answer.Vote> all = new ArrayList<>(r.votes);
    all.addAll(extra);
    for (Answer.Vote v : all) {
      if (seen.add(v.server())) {
        signed.put(v.attestation(), v.response());
      }
    }
    List<Evidence> out = new ArrayList<>();
    try {
      if (signed.keySet().stream().map(Attestation::responseHash).distinct().count() > 1) {
        out.add(Evidence.of(r.serviceId, r.call, signed).check());
      } else {
        for (Map.Entry<Attestation, JsonNode> e : signed.entrySet()) {
          if (convicted.contains(e.getKey().server())) {
            out.add(Evidence.of(r.serviceId, r.call, Map.of(e.getKey(), e.getValue())).check());
          }
        }
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("evidence for {} not sent: {}", r.label(), e.getMessage());
    }
    return out;
  }

  /** Sends {@code evidence} to the nodes the client knows, but those of the {@code convicted} servers. */
  CompletableFuture<List<EvidenceDelivery>> send(List<Evidence> evidence, List<PublicKey> convicted) {
    if (evidence.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Set<URI> skip = new LinkedHashSet<>();
    for (PublicKey key : convicted) {
      ctx.directory().server(key).ifPresent(s -> skip.add(NodeUrls.base(s.url())));
    }
    List<URI> nodes = new ArrayList<>(ctx.directory().knownNodes());
    nodes.removeAll(skip); // a liar is told nothing: it would only learn what gave it away
    List<CompletableFuture<List<EvidenceDelivery>>> sends = evidence.stream()
        .map(e -> ctx.evidence().send(e, nodes)).toList();
    return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
        .thenApply(v -> sends.stream().flatMap(f -> f.join().stream()).toList());
  }
}
