package dev.tandem.sandbox.meter;

/**
 * The contract between an instrumented module and the host that runs it: names of the exported globals, the
 * trap codes, defaults, and how to turn the globals into a fuel count.
 *
 * <p>Protocol for one call (each call is a fresh instance):
 * <ol>
 *   <li>set {@value #FUEL} to the budget (i64) and, if wanted, {@value #MAX_DEPTH} (default
 *       {@value #DEFAULT_MAX_DEPTH});</li>
 *   <li>call the export;</li>
 *   <li>read {@value #FUEL} (remaining) and {@value #TRAP}; fuel used is {@link #fuelUsed}.</li>
 * </ol>
 * {@value #TRAP} is {@value #TRAP_OUT_OF_FUEL} when the module trapped for lack of fuel and
 * {@value #TRAP_CALL_DEPTH} when it nested more than {@value #MAX_DEPTH} calls; 0 otherwise, including after
 * a trap of the module's own (its {@code unreachable}, a division by zero, an out-of-bounds access).
 *
 * <p>The remaining fuel is written back at every call, return and {@code unreachable}, so after a normal
 * return or an {@code unreachable} it is exact. After another kind of trap (e.g. out-of-bounds) it holds the
 * value of the last write-back in the trapping call: still deterministic, but hosts should charge such calls in
 * full.
 *
 * <p>A start function runs during instantiation, before the host can set a budget; it is metered against
 * {@value #INITIAL_FUEL}. The host may read {@value #FUEL} right after instantiation to see what it used.
 *
 * <p>Imported (host) functions are called with the fuel global up to date and it is re-read after they return,
 * so a host function may charge for its own work by lowering {@value #FUEL}.
 */
public final class MeterAbi {
  private MeterAbi() {}

  /** Identifies the instrumentation and {@link CostTable#DEFAULT}: part of any cache key of instrumented code. */
  public static final String VERSION = "tandem-meter-1";

  /** Exported mutable i64: the fuel left. */
  public static final String FUEL = "tandem_fuel";
  /** Exported mutable i32: why the injected code trapped ({@link #TRAP_OUT_OF_FUEL}, {@link #TRAP_CALL_DEPTH}). */
  public static final String TRAP = "tandem_trap";
  /** Exported mutable i32: the current call depth (0 outside any call). */
  public static final String DEPTH = "tandem_depth";
  /** Exported mutable i32: the largest allowed call depth. */
  public static final String MAX_DEPTH = "tandem_max_depth";

  public static final int TRAP_NONE = 0;
  public static final int TRAP_OUT_OF_FUEL = 1;
  public static final int TRAP_CALL_DEPTH = 2;

  /** Initial value of {@link #MAX_DEPTH}. */
  public static final int DEFAULT_MAX_DEPTH = 1000;
  /** Initial value of {@link #FUEL}: the budget of a start function. */
  public static final long INITIAL_FUEL = 10_000_000L;

  /**
   * Fuel used by a call, given what the host set and what it read afterwards. An out-of-fuel trap uses the
   * whole budget (the remaining value is then negative by up to one region's cost, which is not meaningful).
   */
  public static long fuelUsed(long budget, long remaining, int trap) {
    if (trap == TRAP_OUT_OF_FUEL || remaining < 0) {
      return budget;
    }
    return budget - remaining;
  }
}
