package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Set;

/**
 * Checks of a JSON-RPC method's {@code params} object shared by the nodes' read methods; each failure is an
 * {@link IllegalArgumentException} whose message names the parameter, answered as invalid params (-32602).
 */
public final class RpcParams {
  private RpcParams() {}

  /**
   * {@code params} as an object holding only {@code known} members; absent or null params are an empty object.
   *
   * @param method the method's name, for the message
   */
  public static JsonNode object(JsonNode params, String method, Set<String> known) {
    if (params == null || params.isNull() || params.isMissingNode()) {
      return Json.object();
    }
    if (!params.isObject()) {
      throw new IllegalArgumentException("params must be an object");
    }
    for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw new IllegalArgumentException("params." + name + " is not a parameter of " + method + " (known: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
    return params;
  }

  /** {@code params.name} as a whole number of at least {@code min}, {@code absent} when not given. */
  public static BigInteger integer(JsonNode params, String name, long absent, long min) {
    JsonNode v = params.get(name);
    if (v == null || v.isNull()) {
      return BigInteger.valueOf(absent);
    }
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException("params." + name + " must be an integer");
    }
    BigInteger value = v.bigIntegerValue();
    if (value.compareTo(BigInteger.valueOf(min)) < 0) {
      throw new IllegalArgumentException("params." + name + " must be " + min + " or more, got " + value);
    }
    return value;
  }
}
