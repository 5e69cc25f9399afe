package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.sandbox.engine.TrapKind;
import java.util.Iterator;
import java.util.Set;

/**
 * Turns the bytes a module produced into a deterministic outcome. The module's JSON is parsed strictly and written
 * back canonically, so two nodes that got the same bytes give the same response, and bytes that are not exactly a
 * response become {@link TrapKind#INVALID_OUTPUT}.
 */
public final class ResponseDecoder {
  /** JSON-RPC codes the platform keeps for itself: traps and non-deterministic errors. */
  static final int RESERVED_MIN = -32099;
  static final int RESERVED_MAX = -32000;
  private static final long MAX_EXACT_INTEGER = 1L << 53;
  private static final Set<String> ERROR_MEMBERS = Set.of("code", "message", "data");

  private ResponseDecoder() {}

  /** The outcome of a module's (or an OCI container's) output bytes: a canonical response, or an invalid-output trap. */
  public static Outcome.Deterministic decode(byte[] output, long fuel, String stderr) {
    JsonNode root;
    try {
      root = Json.parse(output);
    } catch (JsonFormatException e) {
      return invalid("output is not JSON: " + e.getMessage(), fuel, stderr);
    }
    if (!root.isObject() || root.size() != 1) {
      return invalid("output must be an object with exactly one member, \"result\" or \"error\"", fuel, stderr);
    }
    try {
      if (root.has("result")) {
        return new Outcome.Result(CanonicalJson.canonicalize(root.get("result")), fuel, stderr);
      }
      if (root.has("error")) {
        return decodeError(root.get("error"), fuel, stderr);
      }
    } catch (CanonicalJson.NotCanonicalizable e) {
      return invalid("output has no canonical JSON form: " + e.getMessage(), fuel, stderr);
    }
    return invalid("output's only member is \"" + root.fieldNames().next() + "\", expected \"result\" or \"error\"",
        fuel, stderr);
  }

  private static Outcome.Deterministic decodeError(JsonNode error, long fuel, String stderr)
      throws CanonicalJson.NotCanonicalizable {
    if (!error.isObject()) {
      return invalid("\"error\" must be an object", fuel, stderr);
    }
    for (Iterator<String> names = error.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!ERROR_MEMBERS.contains(name)) {
        return invalid("\"error\" has an unexpected member \"" + name + "\"", fuel, stderr);
      }
    }
    JsonNode code = error.get("code");
    JsonNode message = error.get("message");
    if (code == null || !code.isNumber()) {
      return invalid("\"error.code\" must be an integer", fuel, stderr);
    }
    double value = code.doubleValue();
    if (value != Math.rint(value) || Math.abs(value) > MAX_EXACT_INTEGER) {
      return invalid("\"error.code\" must be an integer of at most 2^53 in magnitude", fuel, stderr);
    }
    long codeValue = (long) value;
    if (codeValue >= RESERVED_MIN && codeValue <= RESERVED_MAX) {
      return invalid("\"error.code\" " + codeValue + " is in the range reserved for the platform ("
          + RESERVED_MIN + ".." + RESERVED_MAX + ")", fuel, stderr);
    }
    if (message == null || !message.isTextual()) {
      return invalid("\"error.message\" must be a string", fuel, stderr);
    }
    // Checks the message has a canonical form (no lone surrogates) before it is used in a response.
    CanonicalJson.canonicalize(message);
    JsonNode data = error.get("data");
    byte[] dataJson = data == null ? null : CanonicalJson.canonicalize(data);
    return new Outcome.ServiceError(codeValue, message.textValue(), dataJson, fuel, stderr);
  }

  private static Outcome.Trap invalid(String detail, long fuel, String stderr) {
    return new Outcome.Trap(TrapKind.INVALID_OUTPUT, detail, fuel, stderr);
  }
}
