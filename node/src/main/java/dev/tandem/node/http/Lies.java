package dev.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;

/**
 * The {@code --unsafe-fault lie} mode: turns a correct canonical response into a plausible wrong one, which the node
 * then signs as a real cheater would. Used by tests, the demo and the simulation ({@code tandem simulate}) to show
 * that lies are caught. Deterministic: every liar twists an answer the same way, so liars agree with each other.
 */
public final class Lies {
  private Lies() {}

  /** The twisted form of a canonical {@code {"result":…}} or {@code {"error":…}}, itself canonical. */
  public static byte[] twist(byte[] response) {
    try {
      ObjectNode root = (ObjectNode) Json.parse(response);
      if (root.has("result")) {
        root.set("result", twist(root.get("result")));
      } else {
        root.set("result", Json.nodes().textNode("ok"));
        root.remove("error");
      }
      return Jcs.canonicalize(root);
    } catch (Exception e) {
      return "{\"result\":\"lie\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static JsonNode twist(JsonNode v) {
    if (v.isArray()) {
      ArrayNode a = (ArrayNode) v.deepCopy();
      if (a.isEmpty()) {
        a.add(0);
      } else {
        a.remove(a.size() - 1);
      }
      return a;
    }
    if (v.isObject()) {
      ObjectNode o = (ObjectNode) v.deepCopy();
      var it = o.fieldNames();
      if (it.hasNext()) {
        String first = it.next();
        o.set(first, twist(o.get(first)));
      } else {
        o.put("x", 1);
      }
      return o;
    }
    if (v.isNumber()) {
      return Json.nodes().numberNode(v.asLong() + 1);
    }
    if (v.isTextual()) {
      return Json.nodes().textNode(v.asText() + "!");
    }
    if (v.isBoolean()) {
      return Json.nodes().booleanNode(!v.asBoolean());
    }
    return Json.nodes().numberNode(1);
  }
}
