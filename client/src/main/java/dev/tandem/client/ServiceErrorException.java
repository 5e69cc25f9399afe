package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The service answered with an error, and that answer is <b>verified</b> like a result: the servers agreed on it (or
 * the verifier or home server decided it), and they signed it. Examples: the method does not exist, the params are
 * invalid, the call ran out of fuel (a deterministic trap, codes -32010…-32029). Retrying elsewhere gives the same
 * error; fix the request instead.
 */
public final class ServiceErrorException extends TandemException {
  private final long code;
  private final String errorMessage;
  private final transient JsonNode error;

  ServiceErrorException(JsonNode error, CallReport report) {
    super("service error " + error.path("code").asLong() + ": " + error.path("message").asText(""), report, null);
    this.code = error.path("code").asLong();
    this.errorMessage = error.path("message").asText("");
    this.error = error.deepCopy();
  }

  /** The JSON-RPC error code the service gave. */
  public long code() {
    return code;
  }

  /** The service's message. */
  public String errorMessage() {
    return errorMessage;
  }

  /** The whole verified {@code error} object ({@code code}, {@code message}, optional {@code data}). */
  public JsonNode error() {
    return error.deepCopy();
  }
}
