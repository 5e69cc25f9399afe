package dev.tandem.core.json;

/** Input that is not the JSON this project accepts: malformed, too deep, duplicate keys, or not canonicalizable. */
public final class JsonFormatException extends Exception {
  public JsonFormatException(String message) {
    super(message);
  }

  public JsonFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
