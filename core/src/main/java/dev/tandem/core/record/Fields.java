package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyFormatException;
import dev.tandem.core.crypto.PublicKey;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reading and checking record fields, each failure naming its field. */
final class Fields {
  /** JSON numbers are doubles: integers beyond 2^53 cannot be exchanged exactly. */
  static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
  private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]+");

  private Fields() {}

  static void onlyKnown(JsonNode json, Set<String> known) {
    if (!json.isObject()) {
      throw new RecordException("record", "must be a JSON object");
    }
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw new RecordException(name, "unknown field");
      }
    }
  }

  static JsonNode required(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      throw new RecordException(field, "is required");
    }
    return value;
  }

  static String string(JsonNode json, String field, int maxLength, boolean required) {
    JsonNode value = required ? required(json, field) : json.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new RecordException(field, "must be a string");
    }
    return checkLength(field, value.textValue(), maxLength);
  }

  static String checkLength(String field, String value, int maxLength) {
    if (value.length() > maxLength) {
      throw new RecordException(field, "is " + value.length() + " characters long, the limit is " + maxLength);
    }
    return value;
  }

  static String token(String field, String value, int maxLength) {
    checkLength(field, value, maxLength);
    if (value.isEmpty() || !PRINTABLE.matcher(value).matches()) {
      throw new RecordException(field, "must be 1 to " + maxLength + " printable ASCII characters without spaces");
    }
    return value;
  }

  static long integer(JsonNode json, String field, long min, long max) {
    JsonNode value = required(json, field);
    if (!value.isIntegralNumber() && !(value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0)) {
      throw new RecordException(field, "must be an integer");
    }
    BigInteger v = value.isIntegralNumber() ? value.bigIntegerValue() : value.decimalValue().toBigIntegerExact();
    return range(field, v, min, max);
  }

  static long range(String field, BigInteger v, long min, long max) {
    if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new RecordException(field, "is " + v + ", must be between " + min + " and " + max);
    }
    return v.longValueExact();
  }

  static long range(String field, long v, long min, long max) {
    return range(field, BigInteger.valueOf(v), min, max);
  }

  static PublicKey key(String field, String text) {
    try {
      return PublicKey.parse(text);
    } catch (KeyFormatException e) {
      throw new RecordException(field, e.getMessage());
    }
  }

  static Cid cid(String field, String text) {
    try {
      return Cid.parse(text);
    } catch (IllegalArgumentException e) {
      throw new RecordException(field, e.getMessage());
    }
  }

  /** An absolute http(s) URL with a host; other schemes (ftp:, file:, javascript:) are refused. */
  static URI url(String field, String text) {
    checkLength(field, text, 2048);
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new RecordException(field, "is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new RecordException(field, "must be an http: or https: URL, got '" + (scheme == null ? "" : scheme + ":")
          + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new RecordException(field, "must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new RecordException(field, "must not carry user credentials");
    }
    return uri;
  }

  static List<String> serviceIds(JsonNode json, String field, int maxCount) {
    JsonNode value = required(json, field);
    if (!value.isArray()) {
      throw new RecordException(field, "must be an array of service ids");
    }
    if (value.size() > maxCount) {
      throw new RecordException(field, "has " + value.size() + " entries, the limit is " + maxCount);
    }
    List<String> ids = new ArrayList<>(value.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < value.size(); i++) {
      String f = field + "[" + i + "]";
      if (!value.get(i).isTextual()) {
        throw new RecordException(f, "must be a service id string");
      }
      String id = cid(f, value.get(i).textValue()).toString();
      if (!seen.add(id)) {
        throw new RecordException(f, "duplicates " + id);
      }
      ids.add(id);
    }
    return ids;
  }

  static byte[] signature(JsonNode json) {
    String text = string(json, "sig", 200, false);
    if (text == null) {
      return null;
    }
    byte[] sig;
    try {
      sig = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new RecordException("sig", "is not base64url");
    }
    if (sig.length != 64) {
      throw new RecordException("sig", "must be a 64-byte Ed25519 signature, got " + sig.length + " bytes");
    }
    return sig;
  }

  static String encodeSignature(byte[] sig) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
  }
}
