package dev.tandem.sandbox;

/**
 * Where loading a module took its time, in nanoseconds of wall clock: checking it against its ABI, metering it,
 * parsing the metered module, the engine's preparation (Chicory: compiling to JVM bytecode, unless the module is
 * tiered, and the memory snapshot) and the load-time instantiation check. A module from the sandbox's cache carries
 * the times of the load that made it.
 *
 * @param validateNanos the ABI and structure checks of {@link ModuleValidator}
 * @param meterNanos    the rewriting with fuel, call depth and NaN canonicalization
 * @param parseNanos    parsing (and validating) the metered module
 * @param prepareNanos  the engine's preparation
 * @param checkNanos    instantiating it once without a call
 */
public record LoadTimes(long validateNanos, long meterNanos, long parseNanos, long prepareNanos, long checkNanos) {
  /** The whole load. */
  public long totalNanos() {
    return validateNanos + meterNanos + parseNanos + prepareNanos + checkNanos;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "validate %.1f ms, meter %.1f, parse %.1f, prepare %.1f, check %.1f",
        validateNanos / 1e6, meterNanos / 1e6, parseNanos / 1e6, prepareNanos / 1e6, checkNanos / 1e6);
  }
}
