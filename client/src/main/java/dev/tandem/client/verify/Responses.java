package dev.tandem.client.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.JsonFormatException;
import java.util.ArrayList;
import java.util.List;

/** Reads the {@code responses} of a verifier input as canonical texts, the way the Wasm verifiers compare them. */
final class Responses {
  private Responses() {}

  /**
   * The RFC 8785 text of each {@code responses[i].response}: equal values have equal texts, so comparing texts is
   * comparing values, exactly what {@code services/verifiers/verifier.c} does with the canonical bytes it is given.
   */
  static List<String> canonicalTexts(JsonNode input) {
    if (input == null || !input.isObject()) {
      throw new VerifierFailedException("verifier input must be an object");
    }
    JsonNode list = input.get("responses");
    if (list == null || !list.isArray()) {
      throw new VerifierFailedException("verifier input: responses must be an array");
    }
    List<String> out = new ArrayList<>(list.size());
    for (JsonNode entry : list) {
      JsonNode response = entry.get("response");
      if (response == null || !response.isObject()) {
        throw new VerifierFailedException("verifier input: each response must be an object with a response object");
      }
      try {
        out.add(Jcs.toString(response));
      } catch (JsonFormatException e) {
        throw new VerifierFailedException("verifier input: a response cannot be canonicalized: " + e.getMessage());
      }
    }
    return out;
  }
}
