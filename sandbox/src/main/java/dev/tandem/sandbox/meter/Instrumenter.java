package dev.tandem.sandbox.meter;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a WebAssembly module so that it meters itself: fuel, call depth and canonical NaNs, all computed by
 * Wasm code injected into the module, so the counts are the same in Chicory's interpreter, its compiler, or any
 * other engine. See {@link MeterAbi} for the exported globals and how a host uses them, and {@link CostTable} for
 * what is charged.
 *
 * <p>What changes in the module:
 * <ul>
 *   <li>globals {@link MeterAbi#FUEL}, {@link MeterAbi#TRAP}, {@link MeterAbi#DEPTH}, {@link MeterAbi#MAX_DEPTH}
 *       are appended after the module's own globals (only those the options need) and exported;</li>
 *   <li>two helper functions (record the trap reason, then {@code unreachable}) are appended after the module's
 *       functions, with their types appended to the type section;</li>
 *   <li>every function body is rewritten by {@link CodeRewriter}.</li>
 * </ul>
 * Nothing is renumbered: imported and defined functions, globals, tables, memories, types and exports keep their
 * indices, so element and data segments, init expressions, the start function and exports stay valid as they are.
 *
 * <p>Custom sections: the {@code name} section is kept (it refers only to indices, which do not change, and
 * makes traps readable); every other custom section is dropped, because it may hold byte offsets into the code
 * (DWARF, source maps, linking metadata) that the rewrite invalidates.
 *
 * <p>The output is a pure function of the input bytes and the options: the same on every node.
 */
public final class Instrumenter {
  private Instrumenter() {}

  /** Instruments {@code wasm} with {@link CostTable#DEFAULT}. */
  public static Instrumented instrument(byte[] wasm, InstrumentOptions options) throws InstrumentException {
    return instrument(wasm, options, CostTable.DEFAULT);
  }

  /** Instruments {@code wasm} with a given cost table (tests and experiments; nodes use the default). */
  public static Instrumented instrument(byte[] wasm, InstrumentOptions options, CostTable costs)
      throws InstrumentException {
    ModuleInfo m = ModuleInfo.parse(wasm);
    for (String name : List.of(MeterAbi.FUEL, MeterAbi.TRAP, MeterAbi.DEPTH, MeterAbi.MAX_DEPTH)) {
      if (m.exportNames.contains(name)) {
        throw new InstrumentException("module already exports \"" + name + "\" (instrumented twice?)",
            m.known[ModuleInfo.EXPORT].start());
      }
    }
    boolean fuel = options.fuel();
    boolean depth = options.callDepth();
    boolean helpers = (fuel || depth) && !m.bodies.isEmpty();

    // New types: helper signatures and multi-value wrapper block types, appended after the module's own.
    List<FuncType> newTypes = new ArrayList<>();
    int fuelTrapType = -1;
    int depthTrapType = -1;
    if (helpers && fuel) {
      fuelTrapType = typeIndex(m, newTypes, new int[] {Opcodes.I64}, new int[0]);
    }
    if (helpers && depth) {
      depthTrapType = typeIndex(m, newTypes, fuel ? new int[] {Opcodes.I64} : new int[0], new int[0]);
    }
    int[] wrapperTypes = new int[m.types.size()];
    java.util.Arrays.fill(wrapperTypes, -1);
    if (fuel || depth) {
      for (int t : m.functionTypes) {
        int[] results = m.types.get(t).results();
        if (results.length > 1 && wrapperTypes[t] < 0) {
          wrapperTypes[t] = typeIndex(m, newTypes, new int[0], results);
        }
      }
    }

    // New globals, after imported and defined ones.
    int nextGlobal = m.importedGlobals + m.definedGlobals;
    int fuelGlobal = fuel ? nextGlobal++ : -1;
    int trapGlobal = fuel || depth ? nextGlobal++ : -1;
    int depthGlobal = depth ? nextGlobal++ : -1;
    int maxDepthGlobal = depth ? nextGlobal++ : -1;

    // New functions, after imported and defined ones.
    int nextFunction = m.importedFunctions + m.bodies.size();
    int fuelTrapFunction = fuelTrapType >= 0 ? nextFunction++ : -1;
    int depthTrapFunction = depthTrapType >= 0 ? nextFunction++ : -1;

    MeterPlan plan = new MeterPlan(options, costs, fuelGlobal, depthGlobal, maxDepthGlobal, fuelTrapFunction,
        depthTrapFunction, wrapperTypes);
    CodeRewriter rewriter = new CodeRewriter(m, plan);

    WasmWriter out = new WasmWriter(wasm.length + wasm.length / 4 + 256);
    out.bytes(wasm, 0, 8);
    for (int id : ModuleInfo.ORDER) {
      ModuleInfo.Section s = m.known[id];
      switch (id) {
        case ModuleInfo.TYPE -> {
          if (!newTypes.isEmpty()) {
            WasmWriter p = new WasmWriter();
            p.u32(m.types.size() + newTypes.size());
            if (s != null) {
              p.bytes(wasm, m.payloadAfterCount(id), s.end());
            }
            for (FuncType t : newTypes) {
              t.encode(p);
            }
            out.section(id, p);
          } else {
            copy(out, wasm, s);
          }
        }
        case ModuleInfo.FUNCTION -> {
          if (fuelTrapFunction >= 0 || depthTrapFunction >= 0) {
            WasmWriter p = new WasmWriter();
            p.u32(m.bodies.size() + (fuelTrapFunction >= 0 ? 1 : 0) + (depthTrapFunction >= 0 ? 1 : 0));
            p.bytes(wasm, m.payloadAfterCount(id), s.end());
            if (fuelTrapFunction >= 0) {
              p.u32(fuelTrapType);
            }
            if (depthTrapFunction >= 0) {
              p.u32(depthTrapType);
            }
            out.section(id, p);
          } else {
            copy(out, wasm, s);
          }
        }
        case ModuleInfo.GLOBAL -> {
          if (trapGlobal >= 0) {
            WasmWriter p = new WasmWriter();
            p.u32(m.definedGlobals + (nextGlobal - m.importedGlobals - m.definedGlobals));
            if (s != null) {
              p.bytes(wasm, m.payloadAfterCount(id), s.end());
            }
            if (fuelGlobal >= 0) {
              p.u8(Opcodes.I64).u8(1).u8(Opcodes.I64_CONST).s64(MeterAbi.INITIAL_FUEL).u8(Opcodes.END);
            }
            p.u8(Opcodes.I32).u8(1).u8(Opcodes.I32_CONST).s32(0).u8(Opcodes.END);
            if (depthGlobal >= 0) {
              p.u8(Opcodes.I32).u8(1).u8(Opcodes.I32_CONST).s32(0).u8(Opcodes.END);
              p.u8(Opcodes.I32).u8(1).u8(Opcodes.I32_CONST).s32(MeterAbi.DEFAULT_MAX_DEPTH).u8(Opcodes.END);
            }
            out.section(id, p);
          } else {
            copy(out, wasm, s);
          }
        }
        case ModuleInfo.EXPORT -> {
          if (trapGlobal >= 0) {
            WasmWriter p = new WasmWriter();
            p.u32(m.exportCount + (nextGlobal - trapGlobal) + (fuelGlobal >= 0 ? 1 : 0));
            if (s != null) {
              p.bytes(wasm, m.payloadAfterCount(id), s.end());
            }
            if (fuelGlobal >= 0) {
              p.name(MeterAbi.FUEL).u8(3).u32(fuelGlobal);
            }
            p.name(MeterAbi.TRAP).u8(3).u32(trapGlobal);
            if (depthGlobal >= 0) {
              p.name(MeterAbi.DEPTH).u8(3).u32(depthGlobal);
              p.name(MeterAbi.MAX_DEPTH).u8(3).u32(maxDepthGlobal);
            }
            out.section(id, p);
          } else {
            copy(out, wasm, s);
          }
        }
        case ModuleInfo.CODE -> {
          if (s == null) {
            break;
          }
          WasmWriter p = new WasmWriter(s.end() - s.start() + s.end() / 4 + 64);
          p.u32(m.bodies.size() + (fuelTrapFunction >= 0 ? 1 : 0) + (depthTrapFunction >= 0 ? 1 : 0));
          for (int i = 0; i < m.bodies.size(); i++) {
            byte[] body = rewriter.rewrite(i);
            p.u32(body.length).bytes(body);
          }
          if (fuelTrapFunction >= 0) {
            byte[] body = trapBody(MeterAbi.TRAP_OUT_OF_FUEL, trapGlobal, fuelGlobal);
            p.u32(body.length).bytes(body);
          }
          if (depthTrapFunction >= 0) {
            byte[] body = trapBody(MeterAbi.TRAP_CALL_DEPTH, trapGlobal, fuelGlobal);
            p.u32(body.length).bytes(body);
          }
          out.section(id, p);
        }
        default -> copy(out, wasm, s);
      }
    }
    for (ModuleInfo.Section c : m.customs) {
      if ("name".equals(c.customName())) {
        out.u8(0).u32(c.end() - c.start()).bytes(wasm, c.start(), c.end());
      }
    }
    byte[] result = out.toByteArray();
    Instrumented.Stats stats = new Instrumented.Stats(rewriter.functions, rewriter.regions, rewriter.callSites,
        rewriter.dynamicCharges, rewriter.nanSites, wasm.length, result.length);
    return new Instrumented(result, costs, stats);
  }

  /** Index of type {@code params -> results}: an existing one if the module has it, else a new one. */
  private static int typeIndex(ModuleInfo m, List<FuncType> newTypes, int[] params, int[] results) {
    for (int i = 0; i < m.types.size(); i++) {
      if (m.types.get(i).sameAs(params, results)) {
        return i;
      }
    }
    for (int i = 0; i < newTypes.size(); i++) {
      if (newTypes.get(i).sameAs(params, results)) {
        return m.types.size() + i;
      }
    }
    newTypes.add(new FuncType(params, results));
    return m.types.size() + newTypes.size() - 1;
  }

  private static void copy(WasmWriter out, byte[] wasm, ModuleInfo.Section s) {
    if (s != null) {
      out.u8(s.id()).u32(s.end() - s.start()).bytes(wasm, s.start(), s.end());
    }
  }

  /**
   * A helper: sets the trap flag, writes back the fuel counter (its i64 parameter, when fuel is on) so the
   * host sees how far over budget it went, and traps.
   */
  private static byte[] trapBody(int code, int trapGlobal, int fuelGlobal) {
    WasmWriter w = new WasmWriter(16);
    w.u32(0); // no locals
    w.u8(Opcodes.I32_CONST).s32(code).u8(Opcodes.GLOBAL_SET).u32(trapGlobal);
    if (fuelGlobal >= 0) {
      w.u8(Opcodes.LOCAL_GET).u32(0).u8(Opcodes.GLOBAL_SET).u32(fuelGlobal);
    }
    w.u8(Opcodes.UNREACHABLE).u8(Opcodes.END);
    return w.toByteArray();
  }
}
