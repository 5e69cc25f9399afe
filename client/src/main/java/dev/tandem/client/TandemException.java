package dev.tandem.client;

import java.util.Optional;

/**
 * Base of every failure of a {@link TandemClient} call. Unchecked, so that {@link ServiceHandle#callAsync} and
 * lambdas compose; the subclasses say what went wrong. A call either returns a verified result or throws one of
 * these: it never returns an unverified answer.
 */
public class TandemException extends RuntimeException {
  private final transient CallReport report;

  public TandemException(String message) {
    this(message, null, null);
  }

  public TandemException(String message, Throwable cause) {
    this(message, null, cause);
  }

  TandemException(String message, CallReport report, Throwable cause) {
    super(message, cause);
    this.report = report;
  }

  /** What the call did before it failed (servers asked, their answers), when it got that far. */
  public Optional<CallReport> report() {
    return Optional.ofNullable(report);
  }
}
