package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The inputs a call names by CID: every IPLD link in its params, an object whose only member is {@code "/"} with a
 * CID string ({@code {"/": "bafy…"}}), in the order of the canonical (RFC 8785) params, members sorted, depth
 * first. Input {@code i} of the module is link {@code i}.
 */
public final class CallInputs {
  /** Most links one call may name. */
  public static final int MAX_LINKS = 16;

  private CallInputs() {}

  /**
   * The links of {@code params}, in canonical order.
   *
   * @throws IllegalArgumentException when a link's CID does not parse, or there are more than {@link #MAX_LINKS}
   */
  public static List<Cid> links(JsonNode params) {
    List<Cid> out = new ArrayList<>();
    collect(params, out);
    return out;
  }

  private static void collect(JsonNode node, List<Cid> out) {
    if (node == null) {
      return;
    }
    if (node.isObject()) {
      JsonNode link = node.get("/");
      if (node.size() == 1 && link != null && link.isTextual()) {
        try {
          out.add(Cid.parse(link.asText()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("link {\"/\": \"" + link.asText() + "\"}: " + e.getMessage());
        }
        if (out.size() > MAX_LINKS) {
          throw new IllegalArgumentException("a call may name at most " + MAX_LINKS + " inputs by CID");
        }
        return;
      }
      // RFC 8785 sorts members by UTF-16 code units, which is String's natural order.
      for (String name : new TreeSet<>(iterable(node))) {
        collect(node.get(name), out);
      }
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, out));
    }
  }

  private static List<String> iterable(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
