package dev.tandem.core.crypto;

/** A key string or key file that cannot be read; the message says what is wrong. */
public final class KeyFormatException extends IllegalArgumentException {
  public KeyFormatException(String message) {
    super(message);
  }
}
