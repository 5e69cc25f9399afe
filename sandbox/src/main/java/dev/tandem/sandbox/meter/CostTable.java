package dev.tandem.sandbox.meter;

/**
 * What each instruction costs in fuel. The numbers are part of the attested result (a response carries the fuel
 * it used), so every node must use the same table: changing it is a protocol change (see {@link MeterAbi#VERSION}).
 *
 * <h2>The default table</h2>
 * <table>
 *   <caption>Fuel costs</caption>
 *   <tr><th>instruction</th><th>cost</th><th>when charged</th></tr>
 *   <tr><td>{@code end}, {@code else}</td><td>0</td><td>(delimiters, never executed on their own)</td></tr>
 *   <tr><td>every other instruction, including {@code call}, {@code br_table}, loads and stores</td>
 *       <td>{@link #instruction()} = 1</td><td>statically, at the start of its region</td></tr>
 *   <tr><td>{@code memory.grow n}</td><td>1 + n × 2<sup>{@link #memoryGrowPageShift()}</sup> = 1 + 1024 per page
 *       requested (whether or not the grow succeeds)</td><td>dynamically, just before the instruction</td></tr>
 *   <tr><td>{@code memory.fill}, {@code memory.copy}, {@code memory.init} of n bytes</td>
 *       <td>1 + n &gt;&gt; {@link #bulkMemoryShift()} = 1 + one per 64 bytes</td>
 *       <td>dynamically, just before the instruction</td></tr>
 *   <tr><td>{@code table.fill}, {@code table.copy}, {@code table.init}, {@code table.grow} of n elements</td>
 *       <td>1 + n &gt;&gt; {@link #bulkTableShift()} = 1 + one per 8 elements</td>
 *       <td>dynamically, just before the instruction</td></tr>
 * </table>
 *
 * <h2>Regions</h2>
 * Static costs are charged per <em>region</em>, not per instruction: a function's region is its body minus the
 * loops nested in it, a loop's region is the loop body minus the loops nested in it. The whole region's sum is
 * charged on entering the function and on every entry to the loop header (first entry and each back-edge).
 * Within one pass through a region each of its instructions runs at most once (Wasm only branches backwards to a
 * loop header, which starts a new pass), so the charge is an upper bound of the instructions executed — e.g. both
 * arms of an {@code if} are charged — and, being static, it is the same on every engine and every run.
 *
 * @param instruction cost of one ordinary instruction
 * @param memoryGrowPageShift {@code memory.grow} costs {@code pages << shift} on top of {@code instruction}
 * @param bulkMemoryShift bulk memory ops cost {@code bytes >>> shift} on top of {@code instruction}
 * @param bulkTableShift bulk table ops cost {@code elements >>> shift} on top of {@code instruction}
 */
public record CostTable(long instruction, int memoryGrowPageShift, int bulkMemoryShift, int bulkTableShift) {

  /** The table every Tandem node uses. */
  public static final CostTable DEFAULT = new CostTable(1, 10, 6, 3);

  public CostTable {
    if (instruction < 0) {
      throw new IllegalArgumentException("instruction cost must be >= 0");
    }
    for (int s : new int[] {memoryGrowPageShift, bulkMemoryShift, bulkTableShift}) {
      if (s < 0 || s > 31) {
        throw new IllegalArgumentException("shift must be in 0..31: " + s);
      }
    }
  }

  /** The static part of {@code op}'s cost (opcode as returned by the decoder; 0xFC ops as 0xFC00 | sub). */
  public long staticCost(int op) {
    return op == Opcodes.END || op == Opcodes.ELSE ? 0 : instruction;
  }
}
