package dev.tandem.sandbox;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a module talks to the host. The ABI decides which imports a module may have, which exports it must have, and
 * how a request goes in and a response comes out (see {@code docs/writing-services.md}).
 */
public enum Abi {
  /** Freestanding module: {@code tandem_alloc} + {@code tandem_call}, request and response in linear memory. */
  TANDEM_V1("tandem-v1"),
  /** WASI preview 1 command: request on stdin, response on stdout, exit code 0. */
  WASI_COMMAND("wasi-command"),
  /** Verifier: {@code minRequests()} and {@code verify(ptr, len)}, same memory convention as tandem-v1. */
  VERIFIER("verifier");

  private final String id;

  Abi(String id) {
    this.id = id;
  }

  /** The name used in service records and on the command line, e.g. {@code tandem-v1}. */
  public String id() {
    return id;
  }

  /**
   * Parses an ABI name as written in a service record ({@code tandem-v1}, {@code wasi-command}, {@code verifier}).
   *
   * @throws IllegalArgumentException naming the accepted values when {@code text} is none of them
   */
  public static Abi parse(String text) {
    if (text != null) {
      String wanted = text.trim().toLowerCase(Locale.ROOT);
      for (Abi abi : values()) {
        if (abi.id.equals(wanted)) {
          return abi;
        }
      }
    }
    throw new IllegalArgumentException("unknown ABI '" + text + "': expected one of "
        + Arrays.stream(values()).map(Abi::id).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return id;
  }
}
