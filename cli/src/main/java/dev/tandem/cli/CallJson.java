package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.EvidenceDelivery;
import dev.tandem.client.ServerAnswer;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.util.List;
import java.util.Locale;

/**
 * {@code tandem call --json}: the verified result and how it was verified, as one JSON object for scripts: the
 * verdict, each server's answer, how a conflict was settled, who was convicted and where the evidence went.
 */
final class CallJson {
  private CallJson() {}

  static ObjectNode of(CallReport r, List<EvidenceDelivery> delivered, CallReport.Audit audit) {
    ObjectNode out = Json.object();
    r.result().ifPresentOrElse(v -> out.set("result", v), () -> out.putNull("result"));
    r.error().ifPresent(e -> out.set("error", e));
    out.put("verified", r.verified());
    out.put("service", r.service()).put("method", r.method()).put("verifier", r.verifier())
        .put("minRequests", r.minRequests());
    out.put("decision", lower(r.decision()));
    if (r.verdict() == null) {
      out.putNull("verdict");
    } else {
      out.put("verdict", r.verdict().kind().id());
    }
    out.put("responseHash", r.responseHash());
    out.put("elapsedMs", r.elapsed().toMillis());
    out.put("reran", r.reran());
    ArrayNode answers = out.putArray("answers");
    for (ServerAnswer a : r.answers()) {
      ObjectNode n = answers.addObject();
      n.put("server", a.server() == null ? null : a.server().toString());
      n.put("url", a.url().toString()).put("home", a.home()).put("kind", lower(a.kind()))
          .put("responseHash", a.responseHash()).put("detail", a.detail()).put("latencyMs", a.latency().toMillis());
    }
    ArrayNode settled = out.putArray("settled");
    r.notes().forEach(settled::add);
    ArrayNode convicted = out.putArray("convicted");
    r.convicted().stream().map(PublicKey::toString).forEach(convicted::add);
    if (r.evidence().isPresent()) {
      ObjectNode e = out.putObject("evidence");
      e.put("attestations", r.evidence().get().attestations().size()).put("sentTo", delivered.size())
          .put("acceptedBy", delivered.stream().filter(EvidenceDelivery::accepted).count());
    }
    if (audit != null) {
      ObjectNode a = out.putObject("audit");
      a.put("status", lower(audit.status())).put("detail", audit.detail());
    }
    return out;
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
