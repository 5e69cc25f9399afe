package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.util.List;

/**
 * What a node concluded from evidence, the answer of {@code tandem_submitEvidence}: {@code {"id": …, "status":
 * "convicted"|"upheld"|"pending"|"known", "responseHash"?: …, "convicted": [key…], "upheld": [key…], "detail": …}}.
 *
 * @param status {@code convicted} (someone signed another answer than the re-run's), {@code upheld} (every signer
 *     agreed with the re-run), {@code pending} (it could not be judged yet: no service record, no module, a re-run
 *     that was not deterministic)
 * @param responseHash the hash of the re-run's response, null when there was none
 * @param convicted the signers whose answers differ from the re-run's
 * @param upheld the signers whose answers match it
 * @param detail how it was judged, for people
 */
public record Judgement(String status, String responseHash, List<PublicKey> convicted, List<PublicKey> upheld,
    String detail) {
  public static final String CONVICTED = "convicted";
  public static final String UPHELD = "upheld";
  public static final String PENDING = "pending";

  public Judgement {
    convicted = List.copyOf(convicted);
    upheld = List.copyOf(upheld);
  }

  /** Evidence that cannot be judged yet, and why. */
  public static Judgement pending(String detail) {
    return new Judgement(PENDING, null, List.of(), List.of(), detail);
  }

  /** The same judgement with more detail. */
  public Judgement withDetail(String more) {
    return new Judgement(status, responseHash, convicted, upheld, detail + more);
  }

  /** The wire answer for evidence {@code id}; {@code known}: judged before (status {@code known}). */
  public ObjectNode toJson(String id, boolean known) {
    ObjectNode out = Json.object();
    out.put("id", id);
    out.put("status", known ? "known" : status);
    if (responseHash != null) {
      out.put("responseHash", responseHash);
    }
    ArrayNode c = out.putArray("convicted");
    convicted.forEach(k -> c.add(k.toString()));
    ArrayNode u = out.putArray("upheld");
    upheld.forEach(k -> u.add(k.toString()));
    out.put("detail", detail);
    return out;
  }
}
