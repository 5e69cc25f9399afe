package dev.tandem.sandbox.meter;

import static dev.tandem.sandbox.meter.WasmBuilder.F32;
import static dev.tandem.sandbox.meter.WasmBuilder.F64;
import static dev.tandem.sandbox.meter.WasmBuilder.I32;
import static dev.tandem.sandbox.meter.WasmBuilder.I64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportGlobal;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import dev.tandem.sandbox.meter.Runner.Mode;
import dev.tandem.sandbox.meter.WasmBuilder.Code;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InstrumenterTest {
  private static final int[] NONE = {};

  private static byte[] instrument(byte[] wasm) throws InstrumentException {
    return Instrumenter.instrument(wasm, InstrumentOptions.all()).wasm();
  }

  /** sum(n) = 0 + 1 + … + (n-1) with a counted loop; its cost is 3 + 14 × (n + 1). */
  static byte[] sumModule() {
    WasmBuilder b = new WasmBuilder();
    int t = b.type(new int[] {I32}, new int[] {I64});
    Code c = new Code()
        .block(0x40).loop(0x40)
        .get(1).get(0).op(0x4E /* i32.ge_s */).brIf(1)
        .get(2).get(1).op(0xAC /* i64.extend_i32_s */).op(0x7C /* i64.add */).set(2)
        .get(1).i32(1).op(0x6A).set(1)
        .br(0)
        .end().end()
        .get(2);
    b.exportFunction("sum", b.function(t, new int[] {I32, I64}, c));
    return b.build();
  }

  @Test
  void noOptionsLeavesTheModuleUnchanged() throws Exception {
    byte[] wasm = sumModule();
    assertThat(Instrumenter.instrument(wasm, InstrumentOptions.none()).wasm()).isEqualTo(wasm);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void loopFuelIsExactAndRepeatable(Mode mode) throws Exception {
    byte[] wasm = instrument(sumModule());
    for (int n : new int[] {0, 1, 10, 1000}) {
      for (int run = 0; run < 2; run++) {
        Instance i = Runner.instance(wasm, mode);
        Runner.fuel(i, 1_000_000);
        long result = i.export("sum").apply(n)[0];
        assertThat(result).isEqualTo((long) n * (n - 1) / 2);
        assertThat(1_000_000 - Runner.fuel(i)).as("fuel for n=%d", n).isEqualTo(3 + 14L * (n + 1));
        assertThat(Runner.trap(i)).isZero();
        assertThat(Runner.depth(i)).isZero();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void infiniteLoopRunsOutOfFuel(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder();
    int t = b.type(NONE, NONE);
    b.exportFunction("spin", b.function(t, NONE, new Code().loop(0x40).br(0).end()));
    Instance i = Runner.instance(instrument(b.build()), mode);
    Runner.fuel(i, 100_000);
    assertThatThrownBy(() -> i.export("spin").apply()).isInstanceOf(RuntimeException.class);
    assertThat(Runner.trap(i)).isEqualTo(MeterAbi.TRAP_OUT_OF_FUEL);
    // The loop region costs 1 (its br): the counter overshoots by exactly one region.
    assertThat(Runner.fuel(i)).isEqualTo(-1);
    assertThat(MeterAbi.fuelUsed(100_000, Runner.fuel(i), Runner.trap(i))).isEqualTo(100_000);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void moduleUnreachableIsNotAMeteringTrap(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder();
    int t = b.type(NONE, NONE);
    b.exportFunction("boom", b.function(t, NONE, new Code().op(0x01).op(0x01).op(0x00)));
    Instance i = Runner.instance(instrument(b.build()), mode);
    Runner.fuel(i, 50);
    assertThatThrownBy(() -> i.export("boom").apply()).isInstanceOf(RuntimeException.class);
    assertThat(Runner.trap(i)).isZero();
    assertThat(Runner.fuel(i)).isEqualTo(50 - 3); // written back before the module's unreachable
  }

  /** rec(n): records n in global "seen", then calls rec(n + 1) forever. */
  static byte[] recursionModule() {
    WasmBuilder b = new WasmBuilder();
    int t = b.type(new int[] {I32}, NONE);
    int seen = b.global(I32, true, new Code().i32(0));
    b.export("seen", 3, seen);
    int rec = 0;
    b.function(t, NONE, new Code().get(0).globalSet(seen).get(0).i32(1).op(0x6A).call(rec));
    b.exportFunction("rec", rec);
    return b.build();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void recursionTrapsAtExactlyTheConfiguredDepth(Mode mode) throws Exception {
    byte[] wasm = instrument(recursionModule());
    for (int max : new int[] {500, 5000}) {
      for (int run = 0; run < 2; run++) {
        long[] observed = Runner.onBigStack(() -> {
          Instance i = Runner.instance(wasm, mode);
          Runner.fuel(i, 10_000_000);
          Runner.maxDepth(i, max);
          try {
            i.export("rec").apply(1);
            return new long[] {-1};
          } catch (RuntimeException e) {
            return new long[] {Runner.trap(i), i.exports().global("seen").getValue(), Runner.depth(i),
                Runner.fuel(i)};
          }
        });
        assertThat(observed[0]).as("trap flag, max %d", max).isEqualTo(MeterAbi.TRAP_CALL_DEPTH);
        assertThat(observed[1]).as("deepest frame that ran").isEqualTo(max);
        assertThat(observed[2]).isEqualTo(max + 1);
        // Each frame: region cost 6 (get, global.set, get, const, add, call); plus the trapping frame's 6.
        assertThat(10_000_000 - observed[3]).isEqualTo(6L * (max + 1));
      }
    }
  }

  @Test
  void defaultMaxDepthIs1000() throws Exception {
    long[] observed = Runner.onBigStack(() -> {
      Instance i = Runner.instance(instrument(recursionModule()), Mode.COMPILED);
      Runner.fuel(i, 10_000_000);
      try {
        i.export("rec").apply(1);
      } catch (RuntimeException e) {
        // expected
      }
      return new long[] {Runner.trap(i), i.exports().global("seen").getValue()};
    });
    assertThat(observed).containsExactly(MeterAbi.TRAP_CALL_DEPTH, MeterAbi.DEFAULT_MAX_DEPTH);
  }

  /** Functions returning the bits of float results: each op's result reinterpreted as an integer. */
  static byte[] floatModule() {
    WasmBuilder b = new WasmBuilder();
    int tl = b.type(NONE, new int[] {I64});
    int ti = b.type(NONE, new int[] {I32});
    int tdd = b.type(new int[] {F64, F64}, new int[] {I64});
    long sNaN = 0x7ff0000000000005L;
    b.exportFunction("div00", b.function(tl, NONE, new Code().f64(0).f64(0).op(0xA3).op(0xBD)));
    b.exportFunction("minSnan", b.function(tl, NONE, new Code().f64Bits(sNaN).f64(1).op(0xA4).op(0xBD)));
    b.exportFunction("addPayload", b.function(tl, NONE,
        new Code().f64Bits(0xfff8000000000001L).f64(1).op(0xA0).op(0xBD)));
    b.exportFunction("sqrtNeg", b.function(tl, NONE, new Code().f64(-1).op(0x9F).op(0xBD)));
    b.exportFunction("promote", b.function(tl, NONE, new Code().f32Bits(0x7f800001).op(0xBB).op(0xBD)));
    b.exportFunction("f32div00", b.function(ti, NONE, new Code().f32(0).f32(0).op(0x95).op(0xBC)));
    b.exportFunction("f32max", b.function(ti, NONE, new Code().f32Bits(0xff800123).f32(2).op(0x97).op(0xBC)));
    b.exportFunction("demote", b.function(ti, NONE, new Code().f64Bits(sNaN).op(0xB6).op(0xBC)));
    // Chains: the inner result is consumed by the next float op, whose result is canonicalized.
    b.exportFunction("chain", b.function(tl, NONE, new Code().f64(1).f64(0).f64(0).op(0xA3).op(0xA0).op(0x9F)
        .op(0xBD)));
    b.exportFunction("chain32", b.function(tl, NONE, new Code().f32(0).f32(0).op(0x95).op(0xBB).op(0xBD)));
    // Ordinary values pass through untouched, including -0, infinities and subnormals.
    b.exportFunction("add", b.function(tdd, NONE, new Code().get(0).get(1).op(0xA0).op(0xBD)));
    b.exportFunction("min", b.function(tdd, NONE, new Code().get(0).get(1).op(0xA4).op(0xBD)));
    // neg/abs/copysign are bit operations and are left alone.
    b.exportFunction("negNan", b.function(tl, NONE, new Code().f64Bits(0x7ff8000000000001L).op(0x9A).op(0xBD)));
    return b.build();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void nansAreCanonical(Mode mode) throws Exception {
    Instance i = Runner.instance(instrument(floatModule()), mode);
    Runner.fuel(i, 1000);
    long canon64 = 0x7ff8000000000000L;
    long canon32 = 0x7fc00000L;
    for (String f : List.of("div00", "minSnan", "addPayload", "sqrtNeg", "promote", "chain", "chain32")) {
      assertThat(i.export(f).apply()[0]).as(f).isEqualTo(canon64);
    }
    for (String f : List.of("f32div00", "f32max", "demote")) {
      assertThat(i.export(f).apply()[0] & 0xFFFFFFFFL).as(f).isEqualTo(canon32);
    }
    double[][] pairs = {{1.5, 2.25}, {-0.0, 0.0}, {0.0, -0.0}, {Double.POSITIVE_INFINITY, 1},
        {Double.MIN_VALUE, Double.MIN_VALUE}, {-1e308, -1e308}};
    for (double[] p : pairs) {
      long a = Double.doubleToRawLongBits(p[0]);
      long c = Double.doubleToRawLongBits(p[1]);
      assertThat(i.export("add").apply(a, c)[0]).isEqualTo(Double.doubleToRawLongBits(p[0] + p[1]));
      assertThat(i.export("min").apply(a, c)[0]).isEqualTo(Double.doubleToRawLongBits(Math.min(p[0], p[1])));
    }
    assertThat(i.export("negNan").apply()[0]).isEqualTo(0xfff8000000000001L);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void hostFunctionsSeeAndMayChargeFuel(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder();
    int tv = b.type(new int[] {I64}, NONE);
    int tr = b.type(NONE, new int[] {I32});
    int charge = b.importFunction("env", "charge", tv);
    int leaf = b.function(tr, NONE, new Code().i32(7));
    int main = b.function(tr, NONE, new Code().call(leaf).i64(100).call(charge).call(leaf).op(0x6A));
    b.exportFunction("main", main);
    byte[] wasm = instrument(b.build());
    long[] seenByHost = new long[1];
    HostFunction host = new HostFunction("env", "charge", FunctionType.of(List.of(ValType.I64), List.of()),
        (inst, args) -> {
          GlobalInstance g = inst.exports().global(MeterAbi.FUEL);
          seenByHost[0] = g.getValue();
          g.setValue(g.getValue() - args[0]);
          return null;
        });
    Instance i = Runner.instance(wasm, mode, ImportValues.builder().addFunction(host).build());
    Runner.fuel(i, 1000);
    assertThat(i.export("main").apply()[0]).isEqualTo(14);
    // main's region: call, i64.const, call, call, i32.add = 5; leaf: 1 each.
    assertThat(seenByHost[0]).isEqualTo(1000 - 5 - 1);
    assertThat(1000 - Runner.fuel(i)).isEqualTo(5 + 1 + 100 + 1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void memoryGrowAndBulkOpsChargeByLength(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder().memory(1, 100);
    int t = b.type(new int[] {I32}, new int[] {I32});
    int tv = b.type(new int[] {I32}, NONE);
    b.exportFunction("grow", b.function(t, NONE, new Code().get(0).memoryGrow()));
    b.exportFunction("fill", b.function(tv, NONE, new Code().i32(0).i32(7).get(0).memoryFill()));
    b.exportFunction("copy", b.function(tv, NONE, new Code().i32(100).i32(0).get(0).memoryCopy()));
    byte[] wasm = instrument(b.build());
    Instance i = Runner.instance(wasm, mode);
    for (int pages : new int[] {0, 1, 3}) {
      Runner.fuel(i, 1_000_000);
      i.export("grow").apply(pages);
      assertThat(1_000_000 - Runner.fuel(i)).isEqualTo(2 + 1024L * pages);
    }
    for (int len : new int[] {0, 63, 64, 6400}) {
      Runner.fuel(i, 1_000_000);
      i.export("fill").apply(len);
      assertThat(1_000_000 - Runner.fuel(i)).isEqualTo(4 + len / 64);
      Runner.fuel(i, 1_000_000);
      i.export("copy").apply(len);
      assertThat(1_000_000 - Runner.fuel(i)).isEqualTo(4 + len / 64);
    }
    assertThat(i.memory().read(6399)).isEqualTo((byte) 7);
    // A grow the budget cannot pay for traps before any memory is allocated.
    Runner.fuel(i, 5000);
    int pagesBefore = i.memory().pages();
    assertThatThrownBy(() -> i.export("grow").apply(50)).isInstanceOf(RuntimeException.class);
    assertThat(Runner.trap(i)).isEqualTo(MeterAbi.TRAP_OUT_OF_FUEL);
    assertThat(i.memory().pages()).isEqualTo(pagesBefore);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void returnsAndBranchesOutOfTheFunctionKeepValues(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder();
    int t2 = b.type(new int[] {I32}, new int[] {I32, I32});
    int t1 = b.type(new int[] {I32}, new int[] {I32});
    // pair(x) = (x, x + 1) via return from inside a block, with junk below on the stack.
    b.exportFunction("pair", b.function(t2, NONE, new Code()
        .block(0x40).i32(99).get(0).get(0).i32(1).op(0x6A).ret().end().i32(0).i32(0)));
    // two(x) = x ? (1, 2) : (3, 4) via br_if to the function's label.
    b.exportFunction("two", b.function(t2, NONE, new Code()
        .i32(1).i32(2).get(0).brIf(0).op(0x1A, 0x1A).i32(3).i32(4)));
    // sel(x): br_table to an inner block (→ 15) or the function (→ 10).
    b.exportFunction("sel", b.function(t1, NONE, new Code()
        .block(I32).i32(10).get(0).brTable(new int[] {0, 1}, 0).end().i32(5).op(0x6A)));
    Instance i = Runner.instance(instrument(b.build()), mode);
    Runner.fuel(i, 1000);
    assertThat(i.export("pair").apply(41)).containsExactly(41, 42);
    assertThat(i.export("two").apply(1)).containsExactly(1, 2);
    assertThat(i.export("two").apply(0)).containsExactly(3, 4);
    assertThat(i.export("sel").apply(0)[0]).isEqualTo(15);
    assertThat(i.export("sel").apply(1)[0]).isEqualTo(10);
    assertThat(i.export("sel").apply(2)[0]).isEqualTo(15);
    assertThat(Runner.depth(i)).isZero();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void startImportedGlobalsSegmentsAndTables(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder().memory(1, 2).table(2);
    int base = b.importGlobal("env", "base", I32, false);
    int tv = b.type(NONE, NONE);
    int tr = b.type(NONE, new int[] {I32});
    int started = b.global(I32, true, new Code().i32(0));
    int init = b.function(tv, NONE, new Code().i32(42).globalSet(started));
    int a = b.function(tr, NONE, new Code().i32(100));
    int c = b.function(tr, NONE, new Code().globalGet(base).i32Load(0));
    int viaTable = b.function(tr, NONE, new Code().i32(1).callIndirect(tr).i32(0).callIndirect(tr).op(0x6A));
    b.start(init).export("started", 3, started).exportFunction("viaTable", viaTable)
        .element(new Code().i32(0), a, c)
        .data(new Code().globalGet(base), new byte[] {5, 0, 0, 0});
    byte[] wasm = instrument(b.build());
    ImportValues imports = ImportValues.builder()
        .addGlobal(new ImportGlobal("env", "base",
            new GlobalInstance(Value.i32(16), MutabilityType.Const)))
        .build();
    Instance i = Runner.instance(wasm, mode, imports);
    assertThat(i.exports().global("started").getValue()).isEqualTo(42);
    assertThat(Runner.fuel(i)).isEqualTo(MeterAbi.INITIAL_FUEL - 2); // the start function ran metered
    Runner.fuel(i, 1000);
    assertThat(i.export("viaTable").apply()[0]).isEqualTo(105);
    assertThat(1000 - Runner.fuel(i)).isEqualTo(5 + 1 + 2); // viaTable, a, c
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void loopsWithParametersAndDeadCode(Mode mode) throws Exception {
    WasmBuilder b = new WasmBuilder().memory(1, 1);
    int tii = b.type(new int[] {I32}, new int[] {I32});
    int tv = b.type(NONE, NONE);
    int nop = b.function(tv, NONE, new Code());
    // countdown(n): a loop that takes its counter as a block parameter and yields it as its result.
    b.exportFunction("countdown", b.function(tii, NONE, new Code()
        .get(0).loop(tii).i32(1).op(0x6B /* i32.sub */).u8(0x22).u32(0).get(0).brIf(0).end()
        .ret()
        // Dead code after return: every injected sequence must still validate here.
        .call(nop).i32(0).i32(0).i32(0).memoryFill().f64(1).f64(2).op(0xA0).op(0x1A).op(0x00)));
    Instance i = Runner.instance(instrument(b.build()), mode);
    Runner.fuel(i, 10_000);
    assertThat(i.export("countdown").apply(5)[0]).isZero();
    // Function region: local.get, loop, return (3; dead code counts too: call, 3 consts, fill, 2 consts, add,
    // drop, unreachable = 10). Loop region: const, sub, tee, get, br_if = 5, entered 5 times.
    assertThat(10_000 - Runner.fuel(i)).isEqualTo(13 + 5 * 5);
  }

  /**
   * Compiled mode only: Chicory 1.7.5's interpreter fails a self tail call from any function that declares locals
   * beyond its parameters (StackFrame.reset reads one argument per local), instrumented or not.
   */
  @Test
  void tailCallsLeaveTheFrameFirst() throws Exception {
    Mode mode = Mode.COMPILED;
    WasmBuilder b = new WasmBuilder();
    int tii = b.type(new int[] {I32}, new int[] {I32});
    // loop(n): if n == 0 then 0 else return_call loop(n - 1). Depth must not grow with n.
    int self = 0;
    b.function(tii, NONE, new Code().get(0).op(0x45 /* i32.eqz */).if_(I32).i32(0).else_()
        .get(0).i32(1).op(0x6B).u8(0x12).u32(self).end());
    b.exportFunction("loop", self);
    Instance plain = Runner.instance(b.build(), mode);
    assertThat(plain.export("loop").apply(5000)[0]).isZero();
    Instance i = Runner.instance(instrument(b.build()), mode);
    Runner.fuel(i, 1_000_000);
    Runner.maxDepth(i, 10);
    assertThat(i.export("loop").apply(5000)[0]).isZero();
    assertThat(Runner.trap(i)).isZero();
    assertThat(Runner.depth(i)).isZero();
    // Each frame's region: get, eqz, if, const, get, const, sub, return_call = 8.
    assertThat(1_000_000 - Runner.fuel(i)).isEqualTo(8 * 5001L);
  }

  @Test
  void statsDescribeTheRewrite() throws Exception {
    Instrumented r = Instrumenter.instrument(sumModule(), InstrumentOptions.all());
    assertThat(r.costs()).isEqualTo(CostTable.DEFAULT);
    assertThat(r.stats().functions()).isEqualTo(1);
    assertThat(r.stats().regions()).isEqualTo(2);
    assertThat(r.stats().inputBytes()).isEqualTo(sumModule().length);
    assertThat(r.stats().outputBytes()).isEqualTo(r.wasm().length);
  }

  @Test
  void optionsAreIndependent() throws Exception {
    byte[] wasm = recursionModule();
    var fuelOnly = Parser.parse(Instrumenter.instrument(wasm, new InstrumentOptions(true, false, false)).wasm());
    var depthOnly = Parser.parse(Instrumenter.instrument(wasm, new InstrumentOptions(false, true, false)).wasm());
    var nanOnly = Parser.parse(Instrumenter.instrument(wasm, new InstrumentOptions(false, false, true)).wasm());
    assertThat(exportNames(fuelOnly)).contains(MeterAbi.FUEL, MeterAbi.TRAP).doesNotContain(MeterAbi.DEPTH);
    assertThat(exportNames(depthOnly)).contains(MeterAbi.DEPTH, MeterAbi.MAX_DEPTH, MeterAbi.TRAP)
        .doesNotContain(MeterAbi.FUEL);
    assertThat(exportNames(nanOnly)).doesNotContain(MeterAbi.FUEL, MeterAbi.TRAP);
    long[] depthTrap = Runner.onBigStack(() -> {
      Instance i = Runner.instance(Instrumenter.instrument(wasm, new InstrumentOptions(false, true, false)).wasm(),
          Mode.COMPILED);
      Runner.maxDepth(i, 50);
      try {
        i.export("rec").apply(1);
      } catch (RuntimeException e) {
        // expected
      }
      return new long[] {Runner.trap(i), i.exports().global("seen").getValue()};
    });
    assertThat(depthTrap).containsExactly(MeterAbi.TRAP_CALL_DEPTH, 50);
  }

  private static List<String> exportNames(com.dylibso.chicory.wasm.WasmModule m) {
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      names.add(m.exportSection().getExport(i).name());
    }
    return names;
  }

  @Test
  void keepsTheNameSectionAndDropsOtherCustomSections() throws Exception {
    WasmBuilder b = new WasmBuilder();
    int t = b.type(NONE, NONE);
    b.function(t, NONE, new Code());
    byte[] names = new Code().u8(1).raw(sized(new Code().u32(1).u32(0).name("main").bytes())).bytes();
    b.custom("name", names).custom(".debug_info", new byte[] {1, 2, 3}).custom("producers", new byte[] {0});
    byte[] out = instrument(b.build());
    var m = Parser.parse(out);
    assertThat(m.customSections()).extracting(s -> s.name()).containsExactly("name");
    assertThat(m.nameSection().nameOfFunction(0)).isEqualTo("main");
  }

  private static byte[] sized(byte[] b) {
    return new Code().u32(b.length).raw(b).bytes();
  }

  @Test
  void rejectsSimdWithFunctionAndOffset() {
    WasmBuilder b = new WasmBuilder();
    int t = b.type(NONE, NONE);
    b.function(t, NONE, new Code());
    b.function(t, NONE, new Code().op(0xFD).u32(12).raw(new byte[16]).op(0x1A));
    assertThatThrownBy(() -> instrument(b.build()))
        .isInstanceOf(InstrumentException.class)
        .hasMessageContaining("SIMD")
        .hasMessageContaining("function 1")
        .hasMessageContaining("byte offset");
  }

  @Test
  void rejectsThreadsAndSharedMemory() {
    WasmBuilder b = new WasmBuilder().memory(1, 1);
    int t = b.type(NONE, NONE);
    b.function(t, NONE, new Code().op(0xFE).u32(3).u8(0));
    assertThatThrownBy(() -> instrument(b.build())).hasMessageContaining("threads");
    byte[] shared = new WasmBuilder().build();
    byte[] withShared = new Code().raw(shared).u8(5, 4, 1, 3, 1, 1).bytes(); // memory section, flags 3 = shared
    assertThatThrownBy(() -> instrument(withShared)).hasMessageContaining("shared memory");
  }

  @Test
  void rejectsInstrumentingTwice() throws Exception {
    byte[] once = instrument(sumModule());
    assertThatThrownBy(() -> instrument(once)).hasMessageContaining("already exports");
  }

  @Test
  void rejectsGarbage() {
    assertThatThrownBy(() -> instrument("hello world".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InstrumentException.class).hasMessageContaining("magic");
    byte[] sum = sumModule();
    byte[] truncated = java.util.Arrays.copyOf(sum, sum.length - 3);
    assertThatThrownBy(() -> instrument(truncated)).isInstanceOf(InstrumentException.class);
  }

  @Test
  void outputIsAPureFunctionOfTheInput() throws Exception {
    byte[] a = instrument(floatModule());
    byte[] b = instrument(floatModule());
    assertThat(a).isEqualTo(b);
  }
}
