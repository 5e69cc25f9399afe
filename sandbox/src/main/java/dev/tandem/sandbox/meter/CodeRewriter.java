package dev.tandem.sandbox.meter;

import static dev.tandem.sandbox.meter.Opcodes.*;

import java.util.Arrays;

/**
 * Rewrites one function body.
 *
 * <p>The body becomes:
 * <pre>
 *   locals…, fuel:i64, depth:i32, len:i32, nan32:f32, nan64:f64   (only those needed)
 *   fuel := global fuel − cost(function region); if fuel &lt; 0: trap 1          (fuel)
 *   depth := global depth + 1; global depth := depth; if depth &gt; max: trap 2    (callDepth)
 *   block (result …)            ;; the exit wrapper: every way out of the function lands after it
 *     original body, with:
 *       loop …            → loop …; fuel −= cost(loop region); if fuel &lt; 0: trap 1
 *       call/call_indirect → global fuel := fuel; call…; fuel := global fuel
 *       unreachable        → global fuel := fuel; unreachable
 *       return             → br (to the wrapper)
 *       return_call…       → epilogue; return_call…
 *       memory.grow / bulk → fuel −= f(length operand); if fuel &lt; 0: trap 1; op
 *       float op → op; NaN → canonical NaN (unless the next instruction is a float op that consumes it)
 *   end
 *   global fuel := fuel; global depth := depth − 1                              (the epilogue)
 * end
 * </pre>
 * A branch to the function's own label keeps its relative depth: the wrapper sits exactly where that label was.
 * The fuel counter lives in a local (global access is a helper call in Chicory's compiled code) and is synced
 * with the global only where another function or the host may look at it.
 */
final class CodeRewriter {
  private final ModuleInfo module;
  private final MeterPlan plan;

  // Statistics, summed over all bodies.
  int functions;
  int regions;
  int callSites;
  int dynamicCharges;
  int nanSites;

  CodeRewriter(ModuleInfo module, MeterPlan plan) {
    this.module = module;
    this.plan = plan;
  }

  /** Rewrites defined function {@code defined} (0-based among defined functions); returns the new body. */
  byte[] rewrite(int defined) throws InstrumentException {
    int functionIndex = module.importedFunctions + defined;
    ModuleInfo.Body body = module.bodies.get(defined);
    int typeIndex = module.functionTypes.get(defined);
    FuncType type = module.types.get(typeIndex);
    WasmReader r = new WasmReader(module.bytes, body.start(), body.end());
    r.functionIndex(functionIndex);

    // Locals: copied verbatim, new ones appended after.
    int groups = r.u32();
    int localsStart = r.pos();
    long declared = 0;
    for (int g = 0; g < groups; g++) {
      int at = r.pos();
      declared += Integer.toUnsignedLong(r.u32());
      Opcodes.valType(r);
      if (declared > 50_000) {
        throw r.error("too many locals", at);
      }
    }
    int codeStart = r.pos();

    // Pass 1: decode, find where each instruction starts, sum region costs, see which scratch locals are needed.
    Decoded d = decode(r);

    // Assign the new locals.
    int next = type.params().length + (int) declared;
    int fuelLocal = plan.fuel() ? next++ : -1;
    int depthLocal = plan.depth() ? next++ : -1;
    int lenLocal = plan.fuel() && d.hasLengthOps ? next++ : -1;
    int nan32Local = plan.nans() && d.hasF32 ? next++ : -1;
    int nan64Local = plan.nans() && d.hasF64 ? next++ : -1;

    WasmWriter w = new WasmWriter(body.end() - body.start() + 64);
    int extraGroups = (fuelLocal >= 0 ? 1 : 0) + (depthLocal >= 0 ? 1 : 0) + (lenLocal >= 0 ? 1 : 0)
        + (nan32Local >= 0 ? 1 : 0) + (nan64Local >= 0 ? 1 : 0);
    w.u32(groups + extraGroups);
    w.bytes(module.bytes, localsStart, codeStart);
    if (fuelLocal >= 0) {
      w.u32(1).u8(I64);
    }
    if (depthLocal >= 0) {
      w.u32(1).u8(I32);
    }
    if (lenLocal >= 0) {
      w.u32(1).u8(I32);
    }
    if (nan32Local >= 0) {
      w.u32(1).u8(F32);
    }
    if (nan64Local >= 0) {
      w.u32(1).u8(F64);
    }

    Emitter e = new Emitter(w, plan, fuelLocal, depthLocal, lenLocal);

    // Prologue.
    int region = 0;
    if (plan.fuel()) {
      w.u8(GLOBAL_GET).u32(plan.fuelGlobal());
      w.u8(I64_CONST).s64(d.regionCosts[region++]);
      w.u8(I64_SUB).u8(LOCAL_TEE).u32(fuelLocal);
      e.checkFuel();
    }
    if (plan.depth()) {
      w.u8(GLOBAL_GET).u32(plan.depthGlobal()).u8(I32_CONST).s32(1).u8(I32_ADD);
      w.u8(LOCAL_TEE).u32(depthLocal).u8(GLOBAL_SET).u32(plan.depthGlobal());
      w.u8(LOCAL_GET).u32(depthLocal).u8(GLOBAL_GET).u32(plan.maxDepthGlobal()).u8(I32_GT_S);
      w.u8(IF).u8(BLOCKTYPE_EMPTY);
      if (plan.fuel()) {
        w.u8(LOCAL_GET).u32(fuelLocal);
      }
      w.u8(CALL).u32(plan.depthTrapFunction()).u8(END);
    }
    if (plan.wraps()) {
      w.u8(BLOCK);
      int[] results = type.results();
      if (results.length == 0) {
        w.u8(BLOCKTYPE_EMPTY);
      } else if (results.length == 1) {
        w.u8(results[0]);
      } else {
        w.s64(plan.wrapperTypes()[typeIndex]);
      }
    }

    // Pass 2: copy, injecting around the instructions that matter.
    byte[] src = module.bytes;
    int nesting = 0; // open blocks inside the original body
    int last = d.count - 1; // the function's final `end`
    for (int i = 0; i < last; i++) {
      int op = d.ops[i];
      int from = d.starts[i];
      int to = d.starts[i + 1];
      switch (op) {
        case BLOCK, IF -> {
          w.bytes(src, from, to);
          nesting++;
        }
        case LOOP -> {
          w.bytes(src, from, to);
          nesting++;
          if (plan.fuel()) {
            e.charge(d.regionCosts[region++]);
          }
        }
        case END -> {
          w.bytes(src, from, to);
          nesting--;
        }
        case RETURN -> {
          if (plan.wraps()) {
            w.u8(BR).u32(nesting);
          } else {
            w.bytes(src, from, to);
          }
        }
        case CALL, CALL_INDIRECT -> {
          if (plan.fuel()) {
            e.storeFuel();
            w.bytes(src, from, to);
            e.loadFuel();
            callSites++;
          } else {
            w.bytes(src, from, to);
          }
        }
        case RETURN_CALL, RETURN_CALL_INDIRECT -> {
          e.epilogue();
          w.bytes(src, from, to);
        }
        case UNREACHABLE -> {
          if (plan.fuel()) {
            e.storeFuel();
          }
          w.bytes(src, from, to);
        }
        default -> {
          if (plan.fuel() && Opcodes.isLengthCharged(op)) {
            e.chargeLength(op);
            dynamicCharges++;
          }
          w.bytes(src, from, to);
          if (plan.nans()) {
            int t = Opcodes.nanResultType(op);
            // A NaN that the very next instruction consumes as a NaN-producing operand comes out of that
            // instruction as a NaN, which is canonicalized there: no need to do it twice (x * y + z, sqrt(a / b)).
            if (t != 0 && Opcodes.nanOperandType(d.ops[i + 1]) != t) {
              e.canonicalize(t, t == F32 ? nan32Local : nan64Local);
              nanSites++;
            }
          }
        }
      }
    }
    if (plan.wraps()) {
      w.u8(END);
      e.epilogue();
    }
    w.u8(END);
    functions++;
    regions += d.regionCount;
    return w.toByteArray();
  }

  /** Instruction boundaries and opcodes of a body, and its regions' static costs in order of appearance. */
  private static final class Decoded {
    int[] ops = new int[64];
    int[] starts = new int[65];
    int count;
    long[] regionCosts = new long[8];
    int regionCount;
    boolean hasLengthOps;
    boolean hasF32;
    boolean hasF64;

    void add(int op, int start) {
      if (count == ops.length) {
        ops = Arrays.copyOf(ops, count * 2);
        starts = Arrays.copyOf(starts, count * 2 + 1);
      }
      ops[count] = op;
      starts[count] = start;
      count++;
    }

    int newRegion() {
      if (regionCount == regionCosts.length) {
        regionCosts = Arrays.copyOf(regionCosts, regionCount * 2);
      }
      return regionCount++;
    }
  }

  private Decoded decode(WasmReader r) throws InstrumentException {
    Decoded d = new Decoded();
    CostTable costs = plan.costs();
    // Control stack: for each open block, the region it belongs to if it is a loop, else -1.
    int[] control = new int[16];
    int depth = 0;
    int[] regionStack = new int[16];
    int regionDepth = 0;
    regionStack[regionDepth++] = d.newRegion();
    boolean ended = false;
    while (!r.atEnd()) {
      if (ended) {
        throw r.error("bytes after the function's final end");
      }
      int at = r.pos();
      int op = Opcodes.next(r);
      d.add(op, at);
      int current = regionStack[regionDepth - 1];
      d.regionCosts[current] += costs.staticCost(op);
      switch (op) {
        case BLOCK, IF -> {
          control = push(control, depth++, -1);
        }
        case LOOP -> {
          int reg = d.newRegion();
          control = push(control, depth++, reg);
          regionStack = push(regionStack, regionDepth++, reg);
        }
        case ELSE -> {
          if (depth == 0) {
            throw r.error("else outside if", at);
          }
        }
        case END -> {
          if (depth == 0) {
            ended = true;
          } else if (control[--depth] >= 0) {
            regionDepth--;
          }
        }
        default -> {
          if (Opcodes.isLengthCharged(op)) {
            d.hasLengthOps = true;
          }
          int t = Opcodes.nanResultType(op);
          if (t == F32) {
            d.hasF32 = true;
          } else if (t == F64) {
            d.hasF64 = true;
          }
        }
      }
    }
    if (!ended) {
      throw r.error("function body does not end with end");
    }
    d.starts[d.count] = r.pos();
    for (int i = 0; i < d.regionCount; i++) {
      // A loop always costs at least one per iteration, so even a cost table with 0 for everything
      // cannot make an infinite loop free.
      d.regionCosts[i] = Math.max(1, d.regionCosts[i]);
    }
    return d;
  }

  private static int[] push(int[] stack, int size, int value) {
    if (size == stack.length) {
      stack = Arrays.copyOf(stack, size * 2);
    }
    stack[size] = value;
    return stack;
  }

  /** Emits the injected sequences. */
  private static final class Emitter {
    private final WasmWriter w;
    private final MeterPlan plan;
    private final int fuelLocal;
    private final int depthLocal;
    private final int lenLocal;

    Emitter(WasmWriter w, MeterPlan plan, int fuelLocal, int depthLocal, int lenLocal) {
      this.w = w;
      this.plan = plan;
      this.fuelLocal = fuelLocal;
      this.depthLocal = depthLocal;
      this.lenLocal = lenLocal;
    }

    /** Stack: [new fuel] → []; traps with the flag set if it is negative. */
    void checkFuel() {
      w.u8(I64_CONST).s64(0).u8(I64_LT_S);
      w.u8(IF).u8(BLOCKTYPE_EMPTY);
      w.u8(LOCAL_GET).u32(fuelLocal).u8(CALL).u32(plan.fuelTrapFunction());
      w.u8(END);
    }

    void charge(long cost) {
      w.u8(LOCAL_GET).u32(fuelLocal).u8(I64_CONST).s64(cost).u8(I64_SUB).u8(LOCAL_TEE).u32(fuelLocal);
      checkFuel();
    }

    /** Stack: [… len] → [… len], having charged for len. */
    void chargeLength(int op) {
      CostTable c = plan.costs();
      w.u8(LOCAL_SET).u32(lenLocal);
      w.u8(LOCAL_GET).u32(fuelLocal).u8(LOCAL_GET).u32(lenLocal).u8(I64_EXTEND_I32_U);
      switch (op) {
        case MEMORY_GROW -> w.u8(I64_CONST).s64(c.memoryGrowPageShift()).u8(I64_SHL);
        case TABLE_INIT, TABLE_COPY, TABLE_GROW, TABLE_FILL ->
            w.u8(I64_CONST).s64(c.bulkTableShift()).u8(I64_SHR_U);
        default -> w.u8(I64_CONST).s64(c.bulkMemoryShift()).u8(I64_SHR_U);
      }
      w.u8(I64_SUB).u8(LOCAL_TEE).u32(fuelLocal);
      checkFuel();
      w.u8(LOCAL_GET).u32(lenLocal);
    }

    void storeFuel() {
      w.u8(LOCAL_GET).u32(fuelLocal).u8(GLOBAL_SET).u32(plan.fuelGlobal());
    }

    void loadFuel() {
      w.u8(GLOBAL_GET).u32(plan.fuelGlobal()).u8(LOCAL_SET).u32(fuelLocal);
    }

    /** Everything that must happen on the way out of the function. */
    void epilogue() {
      if (plan.fuel()) {
        storeFuel();
      }
      if (plan.depth()) {
        w.u8(LOCAL_GET).u32(depthLocal).u8(I32_CONST).s32(1).u8(I32_SUB).u8(GLOBAL_SET).u32(plan.depthGlobal());
      }
    }

    /**
     * Stack: [x] → [x, or the canonical NaN if x is a NaN]. {@code select} picks its first operand when the
     * condition is non-zero: {@code x == x} is true exactly when x is not a NaN, so x passes through unchanged.
     */
    void canonicalize(int type, int scratch) {
      w.u8(LOCAL_TEE).u32(scratch);
      if (type == F32) {
        w.u8(F32_CONST).u8(0x00).u8(0x00).u8(0xC0).u8(0x7F); // 0x7fc00000
        w.u8(LOCAL_GET).u32(scratch).u8(LOCAL_GET).u32(scratch).u8(F32_EQ);
      } else {
        w.u8(F64_CONST).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0xF8).u8(0x7F); // 0x7ff8000000000000
        w.u8(LOCAL_GET).u32(scratch).u8(LOCAL_GET).u32(scratch).u8(F64_EQ);
      }
      w.u8(SELECT);
    }
  }
}
