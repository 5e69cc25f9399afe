package dev.tandem.node.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;

/** The value of every {@link Limit}: its default unless the operator set it. Immutable. */
public final class NodeLimits {
  private static final NodeLimits DEFAULTS = new NodeLimits(Map.of());
  private final Map<Limit, Long> set;

  private NodeLimits(Map<Limit, Long> set) {
    EnumMap<Limit, Long> copy = new EnumMap<>(Limit.class);
    copy.putAll(set);
    this.set = Collections.unmodifiableMap(copy);
  }

  public static NodeLimits defaults() {
    return DEFAULTS;
  }

  public long get(Limit limit) {
    return set.getOrDefault(limit, limit.defaultValue());
  }

  public int intValue(Limit limit) {
    return (int) Math.min(Integer.MAX_VALUE, get(limit));
  }

  /**
   * A copy with {@code limit} set to {@code value}.
   *
   * @throws IllegalArgumentException when the value is negative
   */
  public NodeLimits with(Limit limit, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("--" + limit.flag() + " must be 0 or more, got " + value);
    }
    EnumMap<Limit, Long> next = new EnumMap<>(Limit.class);
    next.putAll(set);
    next.put(limit, value);
    return new NodeLimits(next);
  }

  /** The limits the operator set (defaults are not written, so a later release's new defaults apply). */
  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    set.forEach((l, v) -> json.put(l.flag(), v));
    return json;
  }

  /** Reads what {@link #toJson} wrote; an unknown key or a bad value is an IllegalArgumentException naming it. */
  public static NodeLimits fromJson(JsonNode json) {
    NodeLimits out = DEFAULTS;
    if (json == null || json.isMissingNode() || json.isNull()) {
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().canConvertToLong()) {
        throw new IllegalArgumentException("limits." + e.getKey() + " must be an integer");
      }
      out = out.with(Limit.byFlag(e.getKey()), e.getValue().longValue());
    }
    return out;
  }
}
