package dev.tandem.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.node.fault.Lies;

/**
 * How liars make up their wrong answers, and whether they agree on them.
 *
 * <ul>
 *   <li>{@link #INDEPENDENT}: each liar signs its own wrong answer and decides on its own when to lie, as faulty
 *       or uncoordinated cheating nodes do. Two liars never sign the same wrong answer, so no verifier that needs two
 *       equal answers can ever accept a lie: wrong results are impossible by construction, and the simulation checks
 *       that the code keeps that promise under faults.
 *   <li>{@link #COLLUDE}: every liar twists answers the same way as a node run with {@code --unsafe-fault lie}
 *       ({@link Lies#twist}) and all lie on the same requests, like one attacker owning many nodes. When only liars
 *       are sampled their answers agree and a client accepts them: with a fraction {@code f} of liars and {@code k}
 *       servers asked this happens with probability about {@code f^k} per call until they are caught (in3's
 *       numbers); the simulation measures it rather than hides it.
 * </ul>
 */
enum LieStyle {
  INDEPENDENT,
  COLLUDE;

  /**
   * The wrong answer liar number {@code liar} signs instead of {@code response} (canonical JSON in and out). Never
   * equal to {@code response}; under {@link #INDEPENDENT} also different for every liar.
   */
  byte[] twist(byte[] response, int liar) {
    if (this == COLLUDE) {
      return Lies.twist(response);
    }
    try {
      ObjectNode root = (ObjectNode) Json.parse(response);
      long delta = liar + 1L;
      ObjectNode lie = Json.object();
      JsonNode result = root.get("result");
      if (result != null && result.isIntegralNumber()) {
        lie.put("result", result.asLong() + delta);
      } else if (result != null && perturb(result, delta)) {
        lie.set("result", result);
      } else {
        lie.put("result", "lie-" + delta); // an error turned into a result, or a result without numbers
      }
      return Jcs.canonicalize(lie);
    } catch (JsonFormatException | ClassCastException e) {
      throw new IllegalStateException("cannot twist a response that is not canonical JSON", e);
    }
  }

  /** Adds {@code delta} (wrapping) to the first integer in {@code v}, depth first; false when there is none. */
  private static boolean perturb(JsonNode v, long delta) {
    if (v instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        JsonNode e = a.get(i);
        if (e.isIntegralNumber()) {
          a.set(i, Json.nodes().numberNode(e.asLong() + delta));
          return true;
        }
        if (perturb(e, delta)) {
          return true;
        }
      }
    } else if (v instanceof ObjectNode o) {
      for (var it = o.properties().iterator(); it.hasNext(); ) {
        var field = it.next();
        if (field.getValue().isIntegralNumber()) {
          o.put(field.getKey(), field.getValue().asLong() + delta);
          return true;
        }
        if (perturb(field.getValue(), delta)) {
          return true;
        }
      }
    }
    return false;
  }
}
