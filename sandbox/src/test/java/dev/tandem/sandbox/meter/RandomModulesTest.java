package dev.tandem.sandbox.meter;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tandem.sandbox.meter.Runner.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test on random valid modules made by binaryen's {@code wasm-opt -ttf} from seeds fixed here
 * (skipped where binaryen is not installed). For each module, every exported function without parameters is
 * called, logging what it passes to binaryen's {@code fuzzing-support} imports:
 * <ul>
 *   <li>with fuel and call depth injected, results and logs must equal the original's;</li>
 *   <li>with everything injected, the interpreter and the compiler must agree on results, logs, fuel and traps.</li>
 * </ul>
 */
class RandomModulesTest {
  private static final int MODULES = 25;

  @TempDir
  Path tmp;

  @Test
  void instrumentedRandomModulesBehaveLikeTheOriginals() throws Exception {
    Assumptions.assumeTrue(hasWasmOpt(), "binaryen's wasm-opt is not installed");
    Random random = new Random(20_240_601);
    for (int s = 0; s < MODULES; s++) {
      byte[] seed = new byte[1000 + random.nextInt(8000)];
      random.nextBytes(seed);
      byte[] wasm = generate(seed);
      byte[] counted = Instrumenter.instrument(wasm, new InstrumentOptions(true, true, false)).wasm();
      byte[] all = Instrumenter.instrument(wasm, InstrumentOptions.all()).wasm();
      int module = s;
      String original = Runner.onBigStack(() -> run(wasm, Mode.COMPILED, false, 0));
      // No depth limit in practice here: the original has none. The transcript then leaves fuel out.
      String instrumented = Runner.onBigStack(() -> run(counted, Mode.COMPILED, true, 1 << 30))
          .replaceAll(" fuel -?\\d+ trap 0", "");
      assertThat(instrumented).as("module %d: instrumented vs original", module).isEqualTo(original);
      String compiled = Runner.onBigStack(() -> run(all, Mode.COMPILED, true, 500));
      String interpreted = Runner.onBigStack(() -> run(all, Mode.INTERPRETER, true, 500));
      assertThat(interpreted).as("module %d: interpreter vs compiler", module).isEqualTo(compiled);
    }
  }

  private static boolean hasWasmOpt() {
    try {
      Process p = new ProcessBuilder("wasm-opt", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private byte[] generate(byte[] seed) throws Exception {
    Path in = tmp.resolve("seed.dat");
    Path out = tmp.resolve("random.wasm");
    Files.write(in, seed);
    Process p = new ProcessBuilder("wasm-opt", "-ttf", in.toString(), "--mvp-features", "--enable-bulk-memory",
        "--enable-sign-ext", "--enable-nontrapping-float-to-int", "--enable-multivalue", "--enable-mutable-globals",
        "-o", out.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(log).isTrue();
    return Files.readAllBytes(out);
  }

  /**
   * Calls every parameterless export; returns a transcript of results, logged values and (metered) fuel and trap
   * flag. Metered calls each get a fresh budget and depth, as calls do in Tandem.
   */
  private static String run(byte[] wasm, Mode mode, boolean metered, int maxDepth) {
    List<String> log = new ArrayList<>();
    Instance instance;
    try {
      instance = Runner.instance(wasm, mode, imports(log));
    } catch (RuntimeException e) {
      return "instantiation failed: " + e.getClass().getSimpleName();
    }
    WasmModule m = instance.module();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      var export = m.exportSection().getExport(i);
      if (export.exportType() != ExternalType.FUNCTION
          || !instance.type(instance.functionType(export.index())).params().isEmpty()) {
        continue;
      }
      if (metered) {
        Runner.fuel(instance, 1L << 40);
        Runner.maxDepth(instance, maxDepth);
        instance.exports().global(MeterAbi.DEPTH).setValue(0);
      }
      out.append(export.name());
      try {
        long[] r = instance.export(export.name()).apply();
        out.append(" = ").append(r == null ? "()" : Arrays.toString(r));
      } catch (RuntimeException | StackOverflowError e) {
        out.append(" threw ").append(e.getClass().getSimpleName());
      }
      if (metered) {
        out.append(" fuel ").append(Runner.fuel(instance)).append(" trap ").append(Runner.trap(instance));
      }
      out.append(" log ").append(log).append('\n');
      log.clear();
    }
    return out.toString();
  }

  private static ImportValues imports(List<String> log) {
    List<ImportFunction> fs = new ArrayList<>();
    for (ValType t : List.of(ValType.I32, ValType.I64, ValType.F32, ValType.F64)) {
      String name = "log-" + t.toString().toLowerCase(java.util.Locale.ROOT);
      fs.add(new HostFunction("fuzzing-support", name, FunctionType.of(List.of(t), List.of()), (inst, args) -> {
        log.add(Long.toHexString(args[0]));
        return null;
      }));
    }
    return ImportValues.builder().withFunctions(fs).build();
  }
}
