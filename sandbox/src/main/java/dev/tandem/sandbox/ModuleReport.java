package dev.tandem.sandbox;

import java.util.List;
import java.util.Objects;

/**
 * What the load-time checks found in a module: its imports and exports (as {@code name: type} strings) and every
 * reason it cannot run under the ABI. A module with no problems is {@linkplain #acceptable() acceptable}.
 *
 * @param abi       the ABI it was checked against
 * @param sizeBytes size of the module binary
 * @param imports   imports as {@code module.name: type}, in module order
 * @param exports   exports as {@code name: type}, in module order
 * @param problems  one sentence per violation; empty when acceptable
 */
public record ModuleReport(Abi abi, int sizeBytes, List<String> imports, List<String> exports,
                           List<String> problems) {
  public ModuleReport {
    Objects.requireNonNull(abi, "abi");
    imports = List.copyOf(imports);
    exports = List.copyOf(exports);
    problems = List.copyOf(problems);
  }

  public boolean acceptable() {
    return problems.isEmpty();
  }

  /** One line: {@code acceptable: tandem-v1, exports …, imports …} or {@code rejected: <problems>}. */
  public String summary() {
    if (!acceptable()) {
      return "rejected as " + abi.id() + ": " + String.join("; ", problems);
    }
    return "acceptable: " + abi.id() + ", exports " + String.join(", ", exports) + ", imports "
        + (imports.isEmpty() ? "none" : String.join(", ", imports));
  }

  ModuleReport withProblems(List<String> more) {
    List<String> all = new java.util.ArrayList<>(problems);
    all.addAll(more);
    return new ModuleReport(abi, sizeBytes, imports, exports, all);
  }
}
