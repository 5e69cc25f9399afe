package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Proof that a server signed a wrong answer: the request, the signed attestations of one or more servers for it, and
 * the responses they signed. Anyone can check it without trusting whoever sent it: the signatures are the servers'
 * own, the request hash is recomputed from the included request, and every included response hashes to what its
 * signers attested.
 *
 * <p>Two forms are valid (see {@link #check()}):
 *
 * <ul>
 *   <li><b>conflict</b>: attestations with at least two different response hashes for the same request of the same
 *       deterministic service. At most one response is right, so at least one signer lied; a node that re-runs the
 *       request (docs/protocol.md, "Evidence") learns which.
 *   <li><b>single</b>: one attestation, to be checked by re-executing the request.
 * </ul>
 *
 * <p>JSON form (the {@code params} of {@code tandem_submitEvidence} is {@code {"evidence": <this>}}):
 *
 * <pre>{@code
 * {
 *   "type": "tandem-evidence-v1",
 *   "service": "<service id>",
 *   "request": {"method": "<method>", "params": <params or null>},
 *   "requestHash": "<sha256 hex of JCS(request)>",
 *   "attestations": [ {"server","service","requestHash","responseHash","fuel","sig"}, ... ],
 *   "responses": { "<responseHash>": {"result": ...} | {"error": {...}}, ... }
 * }
 * }</pre>
 *
 * Every attestation's response is included under its hash, and every included response is attested by someone.
 */
public record Evidence(String service, ServiceCall request, List<Attestation> attestations,
    Map<String, JsonNode> responses) {

  public static final String TYPE = "tandem-evidence-v1";
  /** Most attestations one piece of evidence may carry: a call asks a handful of servers, never hundreds. */
  public static final int MAX_ATTESTATIONS = 64;
  private static final Set<String> FIELDS =
      Set.of("type", "service", "request", "requestHash", "attestations", "responses");

  public Evidence {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(request, "request");
    attestations = List.copyOf(attestations);
    // Keep the order responses were given in, so the JSON form is stable; values are copied to stay immutable.
    Map<String, JsonNode> copy = new LinkedHashMap<>();
    responses.forEach((hash, response) -> copy.put(hash, response.deepCopy()));
    responses = Collections.unmodifiableMap(copy);
  }

  /**
   * Evidence from the votes of one call: each attestation with the response it signed. Responses are keyed by the
   * attestation's response hash (which the caller has already checked).
   */
  public static Evidence of(String service, ServiceCall request, Map<Attestation, JsonNode> signedResponses) {
    Map<String, JsonNode> responses = new LinkedHashMap<>();
    signedResponses.forEach((att, response) -> responses.putIfAbsent(att.responseHash(), response));
    return new Evidence(service, request, new ArrayList<>(signedResponses.keySet()), responses);
  }

  /**
   * This evidence's id: the hex SHA-256 of the canonical JSON of what its signers signed and nothing else,
   * {@code {"service":…,"requestHash":…,"attestations":[[server, responseHash], …]}} with the pairs sorted.
   * Fuel, signatures, the order of attestations and the form of the responses (fixed by their hashes) are left
   * out, so no relay can make new ids from one set of signed answers: variants of one attestation that differ only
   * in {@code fuel} (unsigned in version 1, or signed again by the same liar) have one id.
   */
  public String id() {
    ObjectNode content = Json.object();
    content.put("service", service);
    content.put("requestHash", request.requestHash());
    ArrayNode pairs = content.putArray("attestations");
    attestations.stream().map(a -> List.of(a.server().toString(), a.responseHash())).distinct()
        .sorted(Comparator.comparing((List<String> p) -> p.get(0)).thenComparing(p -> p.get(1)))
        .forEach(p -> pairs.addArray().add(p.get(0)).add(p.get(1)));
    try {
      return Hashes.sha256Hex(Jcs.canonicalize(content));
    } catch (JsonFormatException e) {
      throw new IllegalStateException("strings always canonicalize", e);
    }
  }

  /**
   * What a reporter signs to put its name on evidence it relays: {@code "tandem-evidence-report-v2\n" + id}, where
   * {@code id} is {@link #id()}.
   */
  public static byte[] reportMessage(String id) {
    return ("tandem-evidence-report-v2\n" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The distinct response hashes attested, in the order first seen. */
  public List<String> responseHashes() {
    Set<String> out = new LinkedHashSet<>();
    attestations.forEach(a -> out.add(a.responseHash()));
    return List.copyOf(out);
  }

  /** The servers that attested {@code responseHash}. */
  public List<PublicKey> signersOf(String responseHash) {
    return attestations.stream().filter(a -> a.responseHash().equals(responseHash)).map(Attestation::server)
        .toList();
  }

  /** Whether this is the conflict form (two or more different responses), as opposed to a single attestation. */
  public boolean isConflict() {
    return responseHashes().size() >= 2;
  }

  /**
   * Checks everything that can be checked without running the service, and returns this evidence.
   *
   * @throws InvalidEvidenceException naming the offending field: a signature that does not verify, an attestation
   *     for another service or another request, a response that does not hash to what was attested, a missing or
   *     unattested response, or several attestations that all agree (nothing to prove)
   */
  public Evidence check() {
    if (attestations.isEmpty()) {
      throw new InvalidEvidenceException("attestations", "must not be empty");
    }
    if (attestations.size() > MAX_ATTESTATIONS) {
      throw new InvalidEvidenceException("attestations", "has " + attestations.size() + " entries, the limit is "
          + MAX_ATTESTATIONS);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < attestations.size(); i++) {
      Attestation a = attestations.get(i);
      String field = "attestations[" + i + "]";
      if (!a.service().equals(service)) {
        throw new InvalidEvidenceException(field + ".service", "is " + a.service() + ", not " + service);
      }
      if (!a.requestHash().equals(request.requestHash())) {
        throw new InvalidEvidenceException(field + ".requestHash", "is " + a.requestHash()
            + ", but the included request hashes to " + request.requestHash());
      }
      if (!a.verifies()) {
        throw new InvalidEvidenceException(field + ".sig", "does not verify under " + a.server());
      }
      if (!seen.add(a.server() + " " + a.responseHash())) {
        throw new InvalidEvidenceException(field, "repeats the attestation of " + a.server());
      }
      if (!responses.containsKey(a.responseHash())) {
        throw new InvalidEvidenceException("responses", "has no response for " + field + ".responseHash "
            + a.responseHash());
      }
    }
    Set<String> attested = new HashSet<>(responseHashes());
    for (Map.Entry<String, JsonNode> e : responses.entrySet()) {
      String field = "responses." + e.getKey();
      if (!attested.contains(e.getKey())) {
        throw new InvalidEvidenceException(field, "is not attested by any included attestation");
      }
      checkResponseShape(field, e.getValue());
      String actual;
      try {
        actual = ServiceCall.responseHash(e.getValue());
      } catch (JsonFormatException ex) {
        throw new InvalidEvidenceException(field, "cannot be canonicalized: " + ex.getMessage());
      }
      if (!actual.equals(e.getKey())) {
        throw new InvalidEvidenceException(field, "hashes to " + actual + ", not to its key");
      }
    }
    if (attestations.size() > 1 && attested.size() < 2) {
      throw new InvalidEvidenceException("attestations", "all attest the same response: there is no conflict "
          + "(send a single attestation to have it checked by re-execution)");
    }
    return this;
  }

  private static void checkResponseShape(String field, JsonNode response) {
    if (!response.isObject() || response.size() != 1 || !(response.has("result") || response.has("error"))) {
      throw new InvalidEvidenceException(field, "must be {\"result\":…} or {\"error\":…}");
    }
    if (response.has("error") && !response.get("error").isObject()) {
      throw new InvalidEvidenceException(field + ".error", "must be an object");
    }
  }

  /** The JSON form described above. */
  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("type", TYPE);
    json.put("service", service);
    ObjectNode req = json.putObject("request");
    req.put("method", request.method());
    req.set("params", request.params() == null ? Json.nodes().nullNode() : request.params().deepCopy());
    json.put("requestHash", request.requestHash());
    ArrayNode atts = json.putArray("attestations");
    attestations.forEach(a -> atts.add(a.toJson()));
    ObjectNode res = json.putObject("responses");
    responses.forEach((hash, response) -> res.set(hash, response.deepCopy()));
    return json;
  }

  /**
   * Parses the JSON form. Checks the structure and that {@code requestHash} matches the included request; call
   * {@link #check()} to verify signatures and hashes.
   *
   * @throws InvalidEvidenceException naming the offending field
   */
  public static Evidence fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new InvalidEvidenceException("evidence", "must be a JSON object");
    }
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!FIELDS.contains(name)) {
        throw new InvalidEvidenceException(name, "unknown field");
      }
    }
    if (!TYPE.equals(json.path("type").asText(null))) {
      throw new InvalidEvidenceException("type", "must be \"" + TYPE + "\"");
    }
    String service = text(json, "service");
    try {
      service = Cid.parse(service).toString();
    } catch (IllegalArgumentException e) {
      throw new InvalidEvidenceException("service", e.getMessage());
    }
    JsonNode req = json.get("request");
    if (req == null || !req.isObject()) {
      throw new InvalidEvidenceException("request", "must be an object {\"method\":…,\"params\":…}");
    }
    for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!name.equals("method") && !name.equals("params")) {
        throw new InvalidEvidenceException("request." + name, "unknown field");
      }
    }
    String method = text(req, "method");
    JsonNode params = req.get("params");
    if (params != null && !(params.isNull() || params.isObject() || params.isArray())) {
      throw new InvalidEvidenceException("request.params", "must be an object, an array or null");
    }
    ServiceCall call;
    try {
      call = ServiceCall.of(method, params == null || params.isNull() ? null : params);
    } catch (JsonFormatException e) {
      throw new InvalidEvidenceException("request.params", "cannot be canonicalized: " + e.getMessage());
    }
    String requestHash = text(json, "requestHash");
    if (!requestHash.equals(call.requestHash())) {
      throw new InvalidEvidenceException("requestHash", "is " + requestHash + ", but the included request hashes to "
          + call.requestHash());
    }
    JsonNode atts = json.get("attestations");
    if (atts == null || !atts.isArray()) {
      throw new InvalidEvidenceException("attestations", "must be an array");
    }
    if (atts.size() > MAX_ATTESTATIONS) {
      throw new InvalidEvidenceException("attestations", "has " + atts.size() + " entries, the limit is "
          + MAX_ATTESTATIONS);
    }
    List<Attestation> attestations = new ArrayList<>(atts.size());
    for (int i = 0; i < atts.size(); i++) {
      try {
        attestations.add(Attestation.fromJson(atts.get(i)));
      } catch (IllegalArgumentException e) {
        throw new InvalidEvidenceException("attestations[" + i + "]", e.getMessage());
      }
    }
    JsonNode res = json.get("responses");
    if (res == null || !res.isObject()) {
      throw new InvalidEvidenceException("responses", "must be an object mapping response hashes to responses");
    }
    Map<String, JsonNode> responses = new LinkedHashMap<>();
    res.fields().forEachRemaining(e -> responses.put(e.getKey(), e.getValue()));
    return new Evidence(service, call, attestations, responses);
  }

  private static String text(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
      throw new InvalidEvidenceException(field, "must be a non-empty string");
    }
    return v.textValue();
  }

  /** Evidence that is malformed or does not prove anything. {@link #field()} names the offending field. */
  public static final class InvalidEvidenceException extends IllegalArgumentException {
    private final String field;

    public InvalidEvidenceException(String field, String problem) {
      super("evidence: " + field + ": " + problem);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }
}
