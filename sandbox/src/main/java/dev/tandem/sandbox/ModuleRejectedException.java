package dev.tandem.sandbox;

import java.util.List;

/** A module that cannot be run under the ABI it was offered for; {@link #reasons()} says every reason found. */
public final class ModuleRejectedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient ModuleReport report;

  public ModuleRejectedException(ModuleReport report) {
    super("module rejected as " + report.abi().id() + ": " + String.join("; ", report.problems()));
    if (report.acceptable()) {
      throw new IllegalArgumentException("a rejection needs at least one reason");
    }
    this.report = report;
  }

  /** One sentence per violation, in the order found. */
  public List<String> reasons() {
    return report.problems();
  }

  /** The full report, with the module's imports and exports. */
  public ModuleReport report() {
    return report;
  }
}
