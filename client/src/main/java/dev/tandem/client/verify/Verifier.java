package dev.tandem.client.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.core.wire.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * Decides which of several servers' responses to one request is right (docs/protocol.md, "Verifiers and verdicts").
 * The built-ins ({@link EqualVerifier}, {@link MajorityVerifier}) and Wasm verifier modules ({@link WasmVerifier})
 * take the same input and give the same {@link Verdict}s; the shared case table {@code services/verifiers/cases.json}
 * holds them to it.
 */
public sealed interface Verifier permits EqualVerifier, MajorityVerifier, WasmVerifier {

  /** What the service record names: {@code builtin:equal}, {@code builtin:majority} or the module's CID. */
  String id();

  /** How many responses a call collects before asking {@link #verify}. */
  int minRequests();

  /**
   * Judges the responses.
   *
   * @param input {@code {"requests":[{"method","params"}…],"responses":[{"server":key,"response":{…}}…]}}
   * @throws VerifierFailedException when the input is malformed or the verifier gives no valid verdict
   */
  Verdict verify(JsonNode input);

  /**
   * The verdict on responses known only by their hashes ({@code ServiceCall.responseHash}, in the order of the
   * responses {@link #verify} would get), when this verifier can give it from them alone: the same verdict
   * {@link #verify} gives, without building its input or canonicalizing the responses again. Empty when it needs the
   * responses themselves.
   */
  default Optional<Verdict> verifyHashes(List<String> responseHashes) {
    return Optional.empty();
  }

  /**
   * Whether a conflict stays a conflict however many more responses come in (true for {@code builtin:equal}, where
   * one disagreement is enough). The client then settles a conflict only through the home server and does not ask
   * more servers in vain.
   */
  default boolean conflictIsFinal() {
    return false;
  }

  /** The verifier input for one request answered by {@code responses}, each a server's key and its response. */
  static ObjectNode input(ServiceCall request, List<Response> responses) {
    ObjectNode input = Json.object();
    ArrayNode requests = input.putArray("requests");
    ArrayNode out = input.putArray("responses");
    for (Response r : responses) {
      ObjectNode req = requests.addObject();
      req.put("method", request.method());
      req.set("params", request.params() == null ? Json.nodes().nullNode() : request.params());
      ObjectNode entry = out.addObject();
      entry.put("server", r.server());
      entry.set("response", r.response());
    }
    return input;
  }

  /** One server's response, as the verifier sees it. */
  record Response(String server, JsonNode response) {}
}
