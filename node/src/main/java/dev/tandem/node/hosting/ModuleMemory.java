package dev.tandem.node.hosting;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The heap the modules of offered services take once loaded, within a budget ({@code --module-memory-mb}). A loaded
 * module keeps its parsed and compiled code: 35 to 100 bytes per byte of code and metering, measured (a module of
 * 8 MB of calls kept 834 MB). A node offers services its operator chose and services its reciprocity planner added,
 * and any server can steer the planner by what it rewards, so each module reserves what its load may take
 * ({@link dev.tandem.sandbox.ModuleShape#loadHeapBytes}) for as long as its service is wanted, and one that does not
 * fit is not offered: the planner passes it over as a module that cannot run here.
 */
final class ModuleMemory {
  private final long budget;
  private final Map<String, Long> held = new HashMap<>();
  private long used;

  private ModuleMemory(long budget) {
    this.budget = budget;
  }

  /** A budget of {@code megabytes} ({@code 0}: a quarter of the JVM's maximum heap). */
  static ModuleMemory ofMegabytes(long megabytes) {
    return new ModuleMemory(megabytes > 0 ? megabytes << 20 : Runtime.getRuntime().maxMemory() / 4);
  }

  /**
   * Reserves {@code bytes} for {@code serviceId}'s module, in place of what it held: null when they fit, else why the
   * module is not offered, in a sentence.
   */
  synchronized String reserve(String serviceId, long bytes) {
    release(serviceId);
    if (used + bytes > budget) {
      return "module too large for this node: it may take " + (bytes >> 20) + " MB of heap, and " + ((budget - used)
          >> 20) + " MB are free of the " + (budget >> 20) + " MB modules get (--module-memory-mb)";
    }
    held.put(serviceId, bytes);
    used += bytes;
    return null;
  }

  /** Whether {@code bytes} fit the budget at all, with nothing else held. */
  boolean couldEverHold(long bytes) {
    return bytes <= budget;
  }

  synchronized void release(String serviceId) {
    Long bytes = held.remove(serviceId);
    if (bytes != null) {
      used -= bytes;
    }
  }

  /** Releases what the services no longer wanted held. */
  synchronized void keepOnly(Set<String> serviceIds) {
    for (String id : Set.copyOf(held.keySet())) {
      if (!serviceIds.contains(id)) {
        release(id);
      }
    }
  }
}
