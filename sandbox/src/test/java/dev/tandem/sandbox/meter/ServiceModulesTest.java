package dev.tandem.sandbox.meter;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tandem.sandbox.meter.Runner.Mode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Differential check on every module the services build produced ({@code services/**}{@code /*.wasm}): the
 * instrumented module must validate, give the same output as the original, and use the same fuel in the
 * interpreter and the compiler, run after run. Modules under {@code hostile/} are only run instrumented, and must
 * end (with a result or a metering trap) the same way in both modes.
 */
class ServiceModulesTest {
  private static final long BUDGET = 20_000_000L;
  private static final long HOSTILE_BUDGET = 1_000_000L;

  /** Requests sent to every tandem-v1 module: the output only has to match the original's, whatever it is. */
  private static final List<String> REQUESTS = List.of(
      "{\"method\":\"run\",\"params\":{\"n\":40}}",
      "{\"method\":\"query\",\"params\":{\"k\":3,\"q\":\"the quick brown fox\"}}",
      "{\"method\":\"echo\",\"params\":{\"x\":[1,2.5,\"s\",null,true,{\"a\":-0.5}]}}",
      "{\"method\":\"multiply\",\"params\":{\"a\":[[1,2],[3,4]],\"b\":[[0.5,0],[0,1e300]]}}",
      "{\"method\":\"stats\",\"params\":{}}",
      "{\"method\":\"nope\",\"params\":{}}",
      "{\"method\":");

  static Path root() {
    String prop = System.getProperty("tandem.root");
    if (prop != null) {
      return Path.of(prop);
    }
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("mvnw"))) {
      p = p.getParent();
    }
    return p == null ? Path.of("..").toAbsolutePath() : p;
  }

  static List<Path> serviceModules() throws IOException {
    Path services = root().resolve("services");
    if (!Files.isDirectory(services)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(services)) {
      return s.filter(p -> p.toString().endsWith(".wasm"))
          .filter(p -> !p.toString().contains("node_modules"))
          .sorted()
          .toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyServiceModule() throws IOException {
    List<Path> modules = serviceModules();
    Assumptions.assumeFalse(modules.isEmpty(), "no services/**/*.wasm built yet");
    Path services = root().resolve("services");
    return modules.stream().map(p -> DynamicTest.dynamicTest(services.relativize(p).toString(), () -> check(p)));
  }

  /** What one call did: output text (or the exception's class), fuel used, trap flag. */
  record Outcome(String output, long fuel, long trap) {}

  private static void check(Path path) throws Exception {
    byte[] original = Files.readAllBytes(path);
    Instrumented inst = Instrumenter.instrument(original, InstrumentOptions.all());
    WasmModule parsed = Parser.parse(inst.wasm()); // validates
    assertThat(parsed.exportSection().exportCount())
        .isGreaterThanOrEqualTo(Parser.parse(original).exportSection().exportCount() + 4);
    boolean hostile = path.toString().contains("hostile");
    boolean anyWasi = false;
    for (int i = 0; i < parsed.importSection().importCount(); i++) {
      anyWasi |= parsed.importSection().getImport(i).module().startsWith("wasi");
    }
    boolean wasi = anyWasi;
    boolean tandemV1 = parsed.exportSection().exportCount() > 0 && hasExport(parsed, "tandem_call");
    boolean verifier = hasExport(parsed, "verify");
    // Hostile modules misbehave whatever they are asked: two requests are enough, and keep the interpreter quick.
    List<String> inputs = hostile ? REQUESTS.subList(0, 2) : REQUESTS;
    if (verifier) {
      inputs = List.of("{\"requests\":[],\"responses\":[]}",
          "{\"requests\":[{\"method\":\"a\",\"params\":{}}],\"responses\":[{\"response\":{\"result\":1},"
              + "\"server\":\"k1\"},{\"response\":{\"result\":1},\"server\":\"k2\"},{\"response\":{\"result\":2},"
              + "\"server\":\"k3\"}]}");
    }
    if (!tandemV1 && !verifier && !wasi) {
      return; // nothing we know how to call; validation above is the check
    }
    int answered = 0;
    for (String input : inputs) {
      Outcome[] runs = new Outcome[3];
      runs[0] = Runner.onBigStack(() -> call(inst.wasm(), Mode.COMPILED, wasi, verifier, input, hostile));
      runs[1] = Runner.onBigStack(() -> call(inst.wasm(), Mode.COMPILED, wasi, verifier, input, hostile));
      runs[2] = Runner.onBigStack(() -> call(inst.wasm(), Mode.INTERPRETER, wasi, verifier, input, hostile));
      assertThat(runs[1]).as("second run, %s", input).isEqualTo(runs[0]);
      assertThat(runs[2]).as("interpreter vs compiled, %s", input).isEqualTo(runs[0]);
      if (!hostile) {
        String plain = Runner.onBigStack(() -> callOriginal(original, wasi, verifier, input));
        assertThat(runs[0].output()).as("instrumented vs original, %s", input).isEqualTo(plain);
        assertThat(runs[0].trap()).isZero();
      }
      String name = path.getFileName().toString();
      if (hostile && name.equals("loop.wasm")) {
        assertThat(runs[0].trap()).as("infinite loop").isEqualTo(MeterAbi.TRAP_OUT_OF_FUEL);
        assertThat(runs[0].fuel()).isEqualTo(HOSTILE_BUDGET);
      }
      if (hostile && name.equals("recursion.wasm")) {
        assertThat(runs[0].trap()).as("unbounded recursion").isEqualTo(MeterAbi.TRAP_CALL_DEPTH);
      }
      if (hostile && name.equals("nan.wasm")) {
        assertThat(runs[0].output()).doesNotContain("fff8").contains("7ff8000000000000");
        assertThat(runs[0].output().split("7ff8000000000000", -1)).as("every NaN canonical").hasSize(5);
      }
      if (runs[0].output().contains("{")) {
        answered++;
      }
    }
    // Guard against a harness that only ever compares two identical exceptions.
    if (!hostile) {
      assertThat(answered).as("inputs answered with JSON").isPositive();
    }
  }

  private static boolean hasExport(WasmModule m, String name) {
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      if (m.exportSection().getExport(i).name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static String callOriginal(byte[] wasm, boolean wasi, boolean verifier, String input) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    try {
      Instance i = Runner.instance(wasm, Mode.COMPILED, imports(wasi, input, stdout));
      return invoke(i, wasi, verifier, input, stdout);
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  private static Outcome call(byte[] wasm, Mode mode, boolean wasi, boolean verifier, String input,
      boolean hostile) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    Instance i;
    try {
      i = Runner.instance(wasm, mode, imports(wasi, input, stdout));
    } catch (RuntimeException e) { // e.g. a forbidden import: refused before anything runs
      return new Outcome(e.getClass().getSimpleName(), 0, 0);
    }
    long budget = hostile ? HOSTILE_BUDGET : BUDGET;
    Runner.fuel(i, budget);
    String out;
    try {
      out = invoke(i, wasi, verifier, input, stdout);
    } catch (RuntimeException e) {
      out = e.getClass().getSimpleName();
    }
    int trap = Runner.trap(i);
    return new Outcome(out, MeterAbi.fuelUsed(budget, Runner.fuel(i), trap), trap);
  }

  private static ImportValues imports(boolean wasi, String input, ByteArrayOutputStream stdout) {
    if (!wasi) {
      // A module reading inputs by CID imports tandem.input_*: here it is given none (size -1).
      return ImportValues.builder().addFunction(
          new com.dylibso.chicory.runtime.HostFunction("tandem", "input_size", com.dylibso.chicory.wasm.types
              .FunctionType.of(List.of(com.dylibso.chicory.wasm.types.ValType.I32),
                  List.of(com.dylibso.chicory.wasm.types.ValType.I64)), (inst, args) -> new long[] {-1}),
          new com.dylibso.chicory.runtime.HostFunction("tandem", "input_read", com.dylibso.chicory.wasm.types
              .FunctionType.of(List.of(com.dylibso.chicory.wasm.types.ValType.I32,
                  com.dylibso.chicory.wasm.types.ValType.I64, com.dylibso.chicory.wasm.types.ValType.I32,
                  com.dylibso.chicory.wasm.types.ValType.I32), List.of(com.dylibso.chicory.wasm.types.ValType.I32)),
              (inst, args) -> new long[] {-1})).build();
    }
    WasiOptions opts = WasiOptions.builder()
        .withStdin(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)))
        .withStdout(stdout)
        .withStderr(new ByteArrayOutputStream())
        .withArguments(List.of("service"))
        .build();
    WasiPreview1 w = WasiPreview1.builder().withOptions(opts).build();
    return ImportValues.builder().addFunction(w.toHostFunctions()).build();
  }

  private static String invoke(Instance i, boolean wasi, boolean verifier, String input,
      ByteArrayOutputStream stdout) {
    if (wasi) {
      try {
        i.export("_start").apply();
        return "exit 0: " + stdout.toString(StandardCharsets.UTF_8);
      } catch (WasiExitException e) {
        return "exit " + e.exitCode() + ": " + stdout.toString(StandardCharsets.UTF_8);
      }
    }
    byte[] in = input.getBytes(StandardCharsets.UTF_8);
    int ptr = (int) i.export("tandem_alloc").apply(in.length)[0];
    i.memory().write(ptr, in);
    long r = i.export(verifier ? "verify" : "tandem_call").apply(ptr, in.length)[0];
    String prefix = verifier ? "min " + i.export("minRequests").apply()[0] + ": " : "";
    return prefix + i.memory().readString((int) (r >>> 32), (int) r);
  }
}
