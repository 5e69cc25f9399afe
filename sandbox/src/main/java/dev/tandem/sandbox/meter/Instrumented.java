package dev.tandem.sandbox.meter;

/**
 * An instrumented module.
 *
 * @param wasm the rewritten module's bytes
 * @param costs the cost table its fuel counts follow
 * @param stats what was injected
 */
public record Instrumented(byte[] wasm, CostTable costs, Stats stats) {

  /**
   * Counts of what the rewriter did, for logs and benchmarks.
   *
   * @param functions function bodies rewritten
   * @param regions fuel regions (one per function plus one per loop)
   * @param callSites calls around which the fuel counter is synchronized
   * @param dynamicCharges length-dependent charges (memory.grow, bulk memory and table ops)
   * @param nanSites float results canonicalized
   * @param inputBytes size of the original module
   * @param outputBytes size of the rewritten module
   */
  public record Stats(int functions, int regions, int callSites, int dynamicCharges, int nanSites, int inputBytes,
      int outputBytes) {}
}
