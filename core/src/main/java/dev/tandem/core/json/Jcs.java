package dev.tandem.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 JSON Canonicalization Scheme: object members sorted by their UTF-16 code units, no whitespace, strings
 * with the minimal escapes, and every number written as ECMAScript's {@code Number.prototype.toString} writes the
 * IEEE 754 double it denotes. Two parties that canonicalize the same data get the same bytes, which is what hashes
 * and signatures are computed over.
 *
 * <p>Numbers are doubles, as in ECMAScript: an integer beyond 2^53 is rounded to the nearest double
 * ({@code 9007199254740993} becomes {@code 9007199254740992}). NaN and infinities are rejected.
 */
public final class Jcs {
  private Jcs() {}

  /** The canonical UTF-8 bytes of {@code node}. */
  public static byte[] canonicalize(JsonNode node) throws JsonFormatException {
    return toString(node).getBytes(StandardCharsets.UTF_8);
  }

  /** Parses {@code utf8} strictly and returns its canonical bytes. */
  public static byte[] canonicalize(byte[] utf8) throws JsonFormatException {
    return canonicalize(Json.parse(utf8));
  }

  /** The canonical text of {@code node}. */
  public static String toString(JsonNode node) throws JsonFormatException {
    StringBuilder out = new StringBuilder(64);
    write(node, out, 0);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out, int depth) throws JsonFormatException {
    if (depth > Json.MAX_DEPTH) {
      throw new JsonFormatException("nesting deeper than " + Json.MAX_DEPTH);
    }
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          members.add(it.next());
        }
        // String.compareTo orders by UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
        members.sort(Map.Entry.comparingByKey());
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> member : members) {
          if (!first) {
            out.append(',');
          }
          first = false;
          writeString(member.getKey(), out);
          out.append(':');
          write(member.getValue(), out, depth + 1);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out, depth + 1);
        }
        out.append(']');
      }
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> out.append(formatNumber(toDouble(node)));
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NULL -> out.append("null");
      default -> throw new JsonFormatException("cannot canonicalize a " + node.getNodeType() + " node");
    }
  }

  private static double toDouble(JsonNode number) {
    if (number.isBigInteger()) {
      return number.bigIntegerValue().doubleValue(); // correctly rounded, as JSON.parse would
    }
    if (number.isBigDecimal()) {
      return number.decimalValue().doubleValue();
    }
    return number.doubleValue();
  }

  private static void writeString(String s, StringBuilder out) throws JsonFormatException {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
              throw new JsonFormatException("lone surrogate U+" + Integer.toHexString(c) + " in string");
            }
            out.append(c).append(s.charAt(++i));
          } else if (Character.isLowSurrogate(c)) {
            throw new JsonFormatException("lone surrogate U+" + Integer.toHexString(c) + " in string");
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * Formats a double as ECMAScript's {@code Number.prototype.toString(10)} does (ECMA-262 §6.1.6.1.20), which is
   * what RFC 8785 requires. The shortest round-tripping digits come from {@link Double#toString}, which since JDK 19
   * picks the shortest decimal; the layout (plain, fraction or exponent) follows ECMAScript's rules.
   */
  public static String formatNumber(double value) throws JsonFormatException {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new JsonFormatException("number " + value + " has no JSON form");
    }
    if (value == 0) {
      return "0"; // also for -0, as ECMAScript prints it
    }
    StringBuilder out = new StringBuilder(32);
    if (value < 0) {
      out.append('-');
      value = -value;
    }
    BigDecimal shortest = shortestDecimal(value);
    String digits = shortest.unscaledValue().toString();
    int k = digits.length();
    int n = k - shortest.scale(); // value = 0.d1..dk × 10^n
    if (k <= n && n <= 21) {
      out.append(digits).append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      out.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.").append("0".repeat(-n)).append(digits);
    } else {
      int e = n - 1;
      out.append(digits.charAt(0));
      if (k > 1) {
        out.append('.').append(digits, 1, k);
      }
      out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
    return out.toString();
  }

  /** The shortest decimal that rounds to {@code value} (positive, finite), ties broken toward the closer one. */
  private static BigDecimal shortestDecimal(double value) {
    BigDecimal candidate = new BigDecimal(Double.toString(value)).stripTrailingZeros();
    // Double.toString may return two digits where one would round-trip (e.g. 4.9E-324 for 5e-324); ECMAScript wants
    // the single digit when one exists.
    if (candidate.precision() == 2) {
      BigDecimal exact = new BigDecimal(value);
      BigDecimal best = null;
      for (java.math.RoundingMode mode : new java.math.RoundingMode[] {java.math.RoundingMode.FLOOR,
          java.math.RoundingMode.CEILING}) {
        BigDecimal one = candidate.round(new java.math.MathContext(1, mode));
        if (one.doubleValue() == value
            && (best == null || one.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
          best = one;
        }
      }
      if (best != null) {
        candidate = best.stripTrailingZeros();
      }
    }
    return candidate;
  }
}
