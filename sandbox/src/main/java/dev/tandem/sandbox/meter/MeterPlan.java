package dev.tandem.sandbox.meter;

/**
 * Module-wide facts every rewritten body refers to: which features are on, the indices of the injected globals
 * and helper functions, and the block types of the exit wrappers.
 *
 * @param options what to inject
 * @param costs the cost table
 * @param fuelGlobal index of {@link MeterAbi#FUEL}, or -1
 * @param depthGlobal index of {@link MeterAbi#DEPTH}, or -1
 * @param maxDepthGlobal index of {@link MeterAbi#MAX_DEPTH}, or -1
 * @param fuelTrapFunction helper {@code (i64) -> ()} that records an out-of-fuel trap and traps, or -1
 * @param depthTrapFunction helper {@code ([i64]) -> ()} that records a call-depth trap and traps, or -1
 * @param wrapperTypes for each type index, the type index of {@code [] -> results} when results has more than
 *     one value (a block type needs one), else -1
 */
record MeterPlan(InstrumentOptions options, CostTable costs, int fuelGlobal, int depthGlobal, int maxDepthGlobal,
    int fuelTrapFunction, int depthTrapFunction, int[] wrapperTypes) {

  boolean fuel() {
    return options.fuel();
  }

  boolean depth() {
    return options.callDepth();
  }

  boolean nans() {
    return options.canonicalizeNans();
  }

  /** Bodies get an exit wrapper when something must happen on every way out of the function. */
  boolean wraps() {
    return fuel() || depth();
  }
}
