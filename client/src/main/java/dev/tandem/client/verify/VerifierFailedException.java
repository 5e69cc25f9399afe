package dev.tandem.client.verify;

/**
 * A verifier gave no verdict: its input was malformed, or a verifier module trapped, timed out, answered with an
 * error or with something that is not a verdict. The call cannot be verified.
 */
public final class VerifierFailedException extends RuntimeException {
  public VerifierFailedException(String message) {
    super(message);
  }

  public VerifierFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
