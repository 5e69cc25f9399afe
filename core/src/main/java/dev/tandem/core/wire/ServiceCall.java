package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;

/**
 * One call of a service: its method and params, in the canonical form that is both the module's input
 * ({@code {"method":…,"params":…}}, RFC 8785) and what {@code requestHash} is computed over. Absent params are
 * {@code null}.
 */
public record ServiceCall(String method, JsonNode params, byte[] canonical, String requestHash) {

  public static ServiceCall of(String method, JsonNode params) throws JsonFormatException {
    ObjectNode call = Json.object();
    call.put("method", method);
    call.set("params", params == null ? Json.nodes().nullNode() : params);
    byte[] canonical = Jcs.canonicalize(call);
    return new ServiceCall(method, call.get("params"), canonical, Hashes.sha256Hex(canonical));
  }

  @Override
  public byte[] canonical() {
    return canonical.clone();
  }

  /** The hash of a canonical response object ({@code {"result":…}} or {@code {"error":…}}). */
  public static String responseHash(JsonNode response) throws JsonFormatException {
    return Hashes.sha256Hex(Jcs.canonicalize(response));
  }
}
