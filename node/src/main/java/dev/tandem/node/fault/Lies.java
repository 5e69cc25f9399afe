package dev.tandem.node.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.sandbox.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The {@code --unsafe-fault lie} mode: turns a correct canonical response into a plausible wrong one, which the node
 * then signs as a real cheater would. Used by tests, the demo and the simulation ({@code tandem simulate}) to show
 * that lies are caught. Deterministic: every liar twists an answer the same way, so liars agree with each other.
 */
public final class Lies {
  private static final byte[] RESULT = "{\"result\":".getBytes(StandardCharsets.UTF_8);

  private Lies() {}

  /**
   * The twisted form of a canonical {@code {"result":…}} or {@code {"error":…}}, itself canonical: the same wrong
   * answer for every liar, what colluding liars sign.
   */
  public static byte[] twist(byte[] response) {
    return twist(response, 0);
  }

  /** A wrong answer of this liar's own: liars with different salts never agree with each other. */
  public static byte[] twist(byte[] response, int salt) {
    try {
      ObjectNode root = (ObjectNode) Json.parse(response);
      if (root.has("result")) {
        root.set("result", twist(root.get("result"), salt));
      } else {
        root.set("result", Json.nodes().textNode("ok"));
        root.remove("error");
      }
      return Jcs.canonicalize(root);
    } catch (Exception e) {
      return "{\"result\":\"lie\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /**
   * A twisted response ({@code {"result":…}}, canonical, as {@link #twist} makes it) as the outcome a liar signs: a
   * result, with the fuel the real call used.
   */
  public static Outcome.Result asOutcome(byte[] twisted, long fuel) {
    int prefix = RESULT.length;
    if (twisted.length <= prefix || !Arrays.equals(twisted, 0, prefix, RESULT, 0, prefix)) {
      throw new IllegalArgumentException("not a canonical {\"result\":…} response");
    }
    return new Outcome.Result(Arrays.copyOfRange(twisted, prefix, twisted.length - 1), fuel, "");
  }

  private static JsonNode twist(JsonNode v, int salt) {
    if (v.isArray()) {
      ArrayNode a = (ArrayNode) v.deepCopy();
      if (a.isEmpty()) {
        a.add(salt);
      } else {
        a.remove(a.size() - 1);
        if (salt != 0) {
          a.add(salt);
        }
      }
      return a;
    }
    if (v.isObject()) {
      ObjectNode o = (ObjectNode) v.deepCopy();
      var it = o.fieldNames();
      if (it.hasNext()) {
        String first = it.next();
        o.set(first, twist(o.get(first), salt));
      } else {
        o.put("x", 1 + salt);
      }
      return o;
    }
    if (v.isNumber()) {
      return Json.nodes().numberNode(v.asLong() + 1 + salt);
    }
    if (v.isTextual()) {
      return Json.nodes().textNode(v.asText() + "!" + (salt == 0 ? "" : salt));
    }
    if (v.isBoolean()) {
      return salt == 0 ? Json.nodes().booleanNode(!v.asBoolean()) : Json.nodes().numberNode(salt);
    }
    return Json.nodes().numberNode(1 + salt);
  }
}
