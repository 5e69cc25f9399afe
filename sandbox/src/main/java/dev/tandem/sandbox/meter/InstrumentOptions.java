package dev.tandem.sandbox.meter;

/**
 * Which instrumentation to inject.
 *
 * @param fuel count fuel into {@link MeterAbi#FUEL} and trap when it runs out
 * @param callDepth count nested calls into {@link MeterAbi#DEPTH} and trap above {@link MeterAbi#MAX_DEPTH}
 * @param canonicalizeNans replace every NaN produced by float arithmetic with the canonical quiet NaN
 */
public record InstrumentOptions(boolean fuel, boolean callDepth, boolean canonicalizeNans) {

  /** Everything on: what Tandem runs services with. */
  public static InstrumentOptions all() {
    return new InstrumentOptions(true, true, true);
  }

  /** Nothing injected; the module is still parsed and re-encoded (useful to measure the rewriter alone). */
  public static InstrumentOptions none() {
    return new InstrumentOptions(false, false, false);
  }
}
