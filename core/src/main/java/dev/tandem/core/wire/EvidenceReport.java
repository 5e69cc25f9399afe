package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.util.Base64;

/**
 * The {@code params} of {@code tandem_submitEvidence}: {@code {"evidence": {...}, "reporter": "ed25519:…",
 * "reporterSig": "…"}}. A client sends evidence unsigned; a node forwarding evidence signs it as reporter, so that a
 * node receiving evidence that does not check out knows whom to penalize. {@code reporterSig} is Ed25519 over
 * {@link Evidence#reportMessage} of the evidence's {@link Evidence#id()}.
 */
public final class EvidenceReport {
  private EvidenceReport() {}

  /** An unsigned report: {@code {"evidence": …}}. */
  public static ObjectNode unsigned(Evidence evidence) {
    ObjectNode params = Json.object();
    params.set("evidence", evidence.toJson());
    return params;
  }

  /** A report signed by {@code reporter}: the evidence, the reporter's key and its signature of {@code id}. */
  public static ObjectNode signed(Evidence evidence, String id, KeyPair reporter) {
    ObjectNode params = unsigned(evidence);
    params.put("reporter", reporter.publicKey().toString());
    params.put("reporterSig", Base64.getUrlEncoder().withoutPadding().encodeToString(reporter.sign(Evidence.reportMessage(id))));
    return params;
  }

  /** Whether {@code params.reporterSig} is {@code reporter}'s signature of evidence {@code id} (false for a null id). */
  public static boolean signatureValid(JsonNode params, PublicKey reporter, String id) {
    if (id == null) {
      return false;
    }
    try {
      byte[] sig = Base64.getUrlDecoder().decode(params.path("reporterSig").asText());
      return reporter.verify(Evidence.reportMessage(id), sig);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
