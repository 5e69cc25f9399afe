package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a verifier decided about a set of responses (docs/protocol.md, "Verifiers and verdicts"):
 * {@code {"verdict":"accept"|"conflict"|"insufficient","accepted":index|null,"faulty":[index…]}}.
 *
 * @param kind     the decision
 * @param accepted index of the response to use; set exactly when {@code kind} is {@link Kind#ACCEPT}
 * @param faulty   indices of responses the verifier found wrong (distinct, never the accepted one)
 */
public record Verdict(Kind kind, Integer accepted, List<Integer> faulty) {
  /** A verifier's decision. */
  public enum Kind {
    /** One response is right: use {@link Verdict#accepted()}. */
    ACCEPT,
    /** The responses disagree and the verifier cannot decide: escalate. */
    CONFLICT,
    /** Not enough responses to decide: ask more servers. */
    INSUFFICIENT;

    /** The wire name: {@code accept}, {@code conflict}, {@code insufficient}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Set<String> MEMBERS = Set.of("verdict", "accepted", "faulty");

  public Verdict {
    Objects.requireNonNull(kind, "kind");
    faulty = List.copyOf(faulty);
    if ((kind == Kind.ACCEPT) != (accepted != null)) {
      throw new IllegalArgumentException(kind == Kind.ACCEPT
          ? "an accept verdict needs the accepted index" : "only an accept verdict has an accepted index");
    }
  }

  /**
   * Parses a verifier's output.
   *
   * @param json      the verifier's output (UTF-8 JSON)
   * @param responses how many responses the verifier was given: every index must be below it
   * @throws IllegalArgumentException saying exactly what is wrong with the output
   */
  public static Verdict parse(byte[] json, int responses) {
    JsonNode root;
    try {
      root = Json.parse(json);
    } catch (JsonFormatException e) {
      throw new IllegalArgumentException("verifier output is not JSON: " + e.getMessage(), e);
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("verifier output must be an object, got " + root.getNodeType());
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!MEMBERS.contains(name)) {
        throw new IllegalArgumentException("verifier output has an unexpected member \"" + name + "\"");
      }
    }
    JsonNode verdict = root.get("verdict");
    if (verdict == null || !verdict.isTextual()) {
      throw new IllegalArgumentException("verifier output needs \"verdict\": \"accept\", \"conflict\" or"
          + " \"insufficient\"");
    }
    Kind kind = switch (verdict.textValue()) {
      case "accept" -> Kind.ACCEPT;
      case "conflict" -> Kind.CONFLICT;
      case "insufficient" -> Kind.INSUFFICIENT;
      default -> throw new IllegalArgumentException("unknown verdict \"" + verdict.textValue()
          + "\": expected accept, conflict or insufficient");
    };
    JsonNode acceptedNode = root.get("accepted");
    Integer accepted = null;
    if (acceptedNode != null && !acceptedNode.isNull()) {
      accepted = index(acceptedNode, "accepted", responses);
    }
    if (kind == Kind.ACCEPT && accepted == null) {
      throw new IllegalArgumentException("verdict \"accept\" needs \"accepted\": the index of a response");
    }
    if (kind != Kind.ACCEPT && accepted != null) {
      throw new IllegalArgumentException("verdict \"" + kind.id() + "\" must have \"accepted\": null");
    }
    List<Integer> faulty = new ArrayList<>();
    JsonNode faultyNode = root.get("faulty");
    if (faultyNode != null) {
      if (!faultyNode.isArray()) {
        throw new IllegalArgumentException("\"faulty\" must be an array of response indices");
      }
      Set<Integer> seen = new HashSet<>();
      for (JsonNode n : faultyNode) {
        int i = index(n, "faulty", responses);
        if (!seen.add(i)) {
          throw new IllegalArgumentException("\"faulty\" lists index " + i + " twice");
        }
        if (accepted != null && i == accepted) {
          throw new IllegalArgumentException("response " + i + " is both accepted and faulty");
        }
        faulty.add(i);
      }
    }
    return new Verdict(kind, accepted, faulty);
  }

  private static int index(JsonNode n, String field, int responses) {
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new IllegalArgumentException("\"" + field + "\" must hold response indices (integers), got " + n);
    }
    int i = n.intValue();
    if (i < 0 || i >= responses) {
      throw new IllegalArgumentException("\"" + field + "\" index " + i + " is out of range: there are "
          + responses + " responses");
    }
    return i;
  }
}
