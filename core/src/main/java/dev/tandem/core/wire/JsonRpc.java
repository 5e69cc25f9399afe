package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;

/** Builders for JSON-RPC 2.0 messages. */
public final class JsonRpc {
  public static final String VERSION = "2.0";

  private JsonRpc() {}

  public static ObjectNode request(long id, String method, JsonNode params) {
    ObjectNode req = Json.object();
    req.put("jsonrpc", VERSION);
    req.put("id", id);
    req.put("method", method);
    if (params != null) {
      req.set("params", params);
    }
    return req;
  }

  public static ObjectNode result(JsonNode id, JsonNode result) {
    ObjectNode res = Json.object();
    res.put("jsonrpc", VERSION);
    res.set("id", id == null ? Json.nodes().nullNode() : id);
    res.set("result", result == null ? Json.nodes().nullNode() : result);
    return res;
  }

  public static ObjectNode error(JsonNode id, int code, String message) {
    ObjectNode res = Json.object();
    res.put("jsonrpc", VERSION);
    res.set("id", id == null ? Json.nodes().nullNode() : id);
    ObjectNode err = res.putObject("error");
    err.put("code", code);
    err.put("message", message);
    return res;
  }

  /** An error thrown by a method handler, carrying its JSON-RPC code. */
  public static final class Failure extends RuntimeException {
    private final int code;

    public Failure(int code, String message) {
      super(message);
      this.code = code;
    }

    public int code() {
      return code;
    }
  }
}
