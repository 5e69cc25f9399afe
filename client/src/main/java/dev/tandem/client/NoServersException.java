package dev.tandem.client;

/**
 * Not enough usable servers: no bootstrap node answered, no server offers the service, every candidate is
 * blacklisted, or too few of them gave a valid answer before the deadline to reach the verifier's
 * {@code minRequests()}.
 */
public final class NoServersException extends TandemException {
  public NoServersException(String message) {
    super(message);
  }

  NoServersException(String message, CallReport report) {
    super(message, report, null);
  }
}
