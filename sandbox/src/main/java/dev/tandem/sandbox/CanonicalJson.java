package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;

/**
 * The sandbox's one door to RFC 8785 canonical JSON (the project's {@link Jcs}): everything the sandbox hashes or
 * returns as a response goes through here.
 */
final class CanonicalJson {
  private CanonicalJson() {}

  /** Thrown for JSON that has no canonical form: a non-finite number, a lone surrogate, too deep. */
  static final class NotCanonicalizable extends Exception {
    private static final long serialVersionUID = 1L;

    NotCanonicalizable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static byte[] canonicalize(JsonNode node) throws NotCanonicalizable {
    try {
      return Jcs.canonicalize(node);
    } catch (JsonFormatException e) {
      throw new NotCanonicalizable(e.getMessage(), e);
    }
  }

  /** {@code {"error":{"code":c,"data":d,"message":m}}}, canonical; {@code dataJson} is canonical JSON or null. */
  static byte[] errorResponse(long code, String message, byte[] dataJson) {
    ObjectNode error = Json.object();
    error.put("code", code);
    error.put("message", message);
    try {
      if (dataJson != null) {
        error.set("data", Json.parse(dataJson));
      }
      ObjectNode response = Json.object();
      response.set("error", error);
      return Jcs.canonicalize(response);
    } catch (JsonFormatException e) {
      // Codes, messages and data reach here only after they were checked to be canonicalizable.
      throw new IllegalArgumentException("error response has no canonical form: " + e.getMessage(), e);
    }
  }
}
