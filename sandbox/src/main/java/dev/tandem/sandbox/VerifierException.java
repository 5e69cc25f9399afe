package dev.tandem.sandbox;

import java.util.Optional;

/**
 * A verifier module did not give a verdict: it trapped, timed out, answered with an error, or its output is not a
 * verdict. {@link #outcome()} is the call's outcome when there was one.
 */
public final class VerifierException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Outcome outcome;

  VerifierException(String message, Outcome outcome, Throwable cause) {
    super(message, cause);
    this.outcome = outcome;
  }

  /** The outcome of the verifier call, if it ended without output (a trap, a timeout). */
  public Optional<Outcome> outcome() {
    return Optional.ofNullable(outcome);
  }
}
