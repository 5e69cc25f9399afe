package dev.tandem.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON-RPC 2.0 envelope: parses a body into single or batch requests, checks each, and joins the answers back
 * into one body. What each request means is up to the caller.
 */
public final class Envelope {
  /**
   * Once a batch's answers reach this many bytes, its remaining requests are not run but answered "overloaded": a
   * batch of a hundred page-sized reads would otherwise cost the node hundreds of megabytes for a small request.
   */
  static final int MAX_BATCH_ANSWER_BYTES = 32 << 20;

  private Envelope() {}

  /** Whether a batch whose answers so far take {@code bytes} has room for another one. */
  static boolean hasRoom(boolean batch, long bytes) {
    return !batch || bytes < MAX_BATCH_ANSWER_BYTES;
  }

  /** The answer of a batch's request that was not run because the batch's answers were already too large. */
  static byte[] noRoom(JsonNode id) {
    return error(id, RpcErrors.OVERLOADED, "overloaded: this batch's answers passed " + (MAX_BATCH_ANSWER_BYTES >> 20)
        + " MiB; send the rest of it in another request");
  }

  /** One checked request, or the error that replaces it. */
  record Item(JsonNode id, String method, JsonNode params, byte[] error, boolean notification) {}

  /** A parsed body: its items, whether it was a batch, or a body-level error (parse error, empty batch). */
  record Parsed(List<Item> items, boolean batch, byte[] error) {}

  static Parsed parse(byte[] body, int maxBatch) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JsonFormatException e) {
      return new Parsed(List.of(), false, error(null, RpcErrors.PARSE_ERROR, "parse error: " + e.getMessage()));
    }
    if (root.isArray()) {
      if (root.isEmpty()) {
        return new Parsed(List.of(), true, error(null, RpcErrors.INVALID_REQUEST, "invalid request: empty batch"));
      }
      if (root.size() > maxBatch) {
        return new Parsed(List.of(), true, error(null, RpcErrors.INVALID_REQUEST,
            "invalid request: batch of " + root.size() + " requests, the limit is " + maxBatch));
      }
      List<Item> items = new ArrayList<>(root.size());
      root.forEach(n -> items.add(item(n)));
      return new Parsed(items, true, null);
    }
    return new Parsed(List.of(item(root)), false, null);
  }

  private static Item item(JsonNode req) {
    if (!req.isObject()) {
      return new Item(null, null, null, error(null, RpcErrors.INVALID_REQUEST,
          "invalid request: expected a JSON-RPC request object"), false);
    }
    JsonNode id = req.get("id");
    boolean notification = id == null;
    if (id != null && !(id.isTextual() || id.isIntegralNumber() || id.isNull())) {
      return new Item(null, null, null, error(null, RpcErrors.INVALID_REQUEST,
          "invalid request: id must be a string, an integer or null"), false);
    }
    if (!"2.0".equals(req.path("jsonrpc").asText(null))) {
      return new Item(id, null, null, error(id, RpcErrors.INVALID_REQUEST,
          "invalid request: \"jsonrpc\" must be \"2.0\""), false);
    }
    JsonNode method = req.get("method");
    if (method == null || !method.isTextual() || method.asText().isEmpty()) {
      return new Item(id, null, null, error(id, RpcErrors.INVALID_REQUEST,
          "invalid request: \"method\" must be a non-empty string"), false);
    }
    JsonNode params = req.get("params");
    if (params != null && !(params.isObject() || params.isArray())) {
      return new Item(id, method.asText(), null, error(id, RpcErrors.INVALID_PARAMS,
          "invalid params: must be an object or an array"), false);
    }
    return new Item(id, method.asText(), params, null, notification);
  }

  public static byte[] error(JsonNode id, int code, String message) {
    return JsonRpc.error(id, code, message).toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Joins answers: a batch becomes a JSON array (notifications leave no entry); a single answer stays as is. */
  static byte[] join(List<byte[]> answers, boolean batch) {
    if (!batch) {
      return answers.isEmpty() ? new byte[0] : answers.get(0);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('[');
    boolean first = true;
    for (byte[] a : answers) {
      if (a == null) {
        continue;
      }
      if (!first) {
        out.write(',');
      }
      first = false;
      out.writeBytes(a);
    }
    out.write(']');
    return first ? new byte[0] : out.toByteArray();
  }

  static String idText(JsonNode id) {
    if (id == null) {
      return "null";
    }
    // The common ids (small integers) without Jackson's printer, which is a visible share of an answer's cost.
    return id.canConvertToLong() && id.isIntegralNumber() ? Long.toString(id.longValue()) : id.toString();
  }
}
