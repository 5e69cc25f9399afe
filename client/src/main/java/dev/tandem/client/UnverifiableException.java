package dev.tandem.client;

import java.util.List;

/**
 * The servers' answers could not be verified: they conflict and neither the home server nor more servers could
 * settle it, or the verifier itself failed. The call returns nothing rather than an answer that might be wrong;
 * {@link #reasons()} says why, one line each.
 */
public final class UnverifiableException extends TandemException {
  private final List<String> reasons;

  public UnverifiableException(String message, List<String> reasons) {
    this(message, reasons, null);
  }

  UnverifiableException(String message, List<String> reasons, CallReport report) {
    super(message + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons)), report, null);
    this.reasons = List.copyOf(reasons);
  }

  public List<String> reasons() {
    return reasons;
  }
}
