package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.engine.TrapKind;
import dev.tandem.sandbox.engine.WasmEngine;
import dev.tandem.sandbox.graalwasm.GraalWasmEngine;
import dev.tandem.sandbox.meter.MeterAbi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The WebAssembly spec tests of src/test/resources/spec, each module metered as nodes run it, on Chicory and on
 * GraalWasm: every action gives the same results (bit for bit, NaNs included), the same trap and the same fuel on
 * both, and the results are the ones the spec expects.
 */
class SpecCrossEngineTest {
  private static final long FUEL = 1_000_000_000L;
  private static WasmEngine chicory;
  private static WasmEngine graal;

  @BeforeAll
  static void open() {
    chicory = new ChicoryEngine(true);
    graal = new GraalWasmEngine();
  }

  @AfterAll
  static void close() {
    chicory.close();
    graal.close();
  }

  static Stream<String> files() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("src/test/resources/spec"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wast")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void sameOnBothEnginesAndAsTheSpecSays(String file) throws Exception {
    assumeTrue(onPath("wast2json"), "wast2json is not installed (Debian package wabt)");
    Path dir = Path.of("target/spec").resolve(file.replace(".wast", ""));
    Files.createDirectories(dir);
    Path json = dir.resolve("commands.json");
    Process p = new ProcessBuilder("wast2json", Path.of("src/test/resources/spec", file).toAbsolutePath().toString(),
        "-o", json.toAbsolutePath().toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    EngineInstance[] current = null;
    int checked = 0;
    for (JsonNode c : Json.parse(Files.readAllBytes(json)).get("commands")) {
      String type = c.get("type").asText();
      String where = file + ":" + c.get("line").asInt();
      switch (type) {
        case "module" -> current = instantiate(dir.resolve(c.get("filename").asText()));
        case "assert_return", "assert_trap", "assert_exhaustion", "action" -> {
          if (current == null || c.get("action").has("module") || !c.get("action").get("type").asText()
              .equals("invoke") || !numeric(c.get("action").get("args")) || !numeric(c.get("expected"))) {
            continue; // a module this test does not run (it imports from the spec's host), or a named one
          }
          String[] onChicory = invoke(current[0], c.get("action"));
          String[] onGraal = invoke(current[1], c.get("action"));
          assertThat(onGraal).as(where + " graalwasm vs chicory").containsExactly(onChicory);
          if (type.equals("assert_return")) {
            assertThat(onChicory[0]).as(where).isEqualTo("ok");
            expectResults(where, c.get("expected"), onChicory[1]);
          } else if (!type.equals("action")) {
            assertThat(onChicory[0]).as(where).startsWith("trap");
          }
          checked++;
        }
        default -> { } // malformed, invalid, unlinkable, register: not about running
      }
    }
    assertThat(checked).as(file + ": assertions run").isGreaterThan(0);
  }

  /** The module metered, on both engines; null when it imports (from the spec's host module) or cannot load. */
  private static EngineInstance[] instantiate(Path wasm) throws Exception {
    byte[] metered;
    WasmModule parsed;
    try {
      metered = Sandbox.metered(Files.readAllBytes(wasm));
      parsed = Parser.parse(metered);
    } catch (Exception | AssertionError e) {
      return null;
    }
    if (parsed.importSection().importCount() > 0) {
      return null;
    }
    MemoryLimits memory = parsed.memorySection().filter(s -> s.memoryCount() > 0)
        .map(s -> s.getMemory(0).limits()).orElse(new MemoryLimits(0, 0));
    PreparedModule prepared = new PreparedModule(metered, parsed, memory);
    EngineInstance[] both = new EngineInstance[2];
    int i = 0;
    for (WasmEngine engine : List.of(chicory, graal)) {
      EngineModule module = engine.prepare(prepared);
      both[i] = module.instantiate(List.of(), memory.maximumPages());
      both[i].start();
      i++;
    }
    return both;
  }

  /** {outcome ("ok" or "trap:KIND"), results, fuel used}. */
  private static String[] invoke(EngineInstance instance, JsonNode action) {
    instance.global(MeterAbi.FUEL, FUEL);
    instance.global(MeterAbi.DEPTH, 0);
    instance.global(MeterAbi.TRAP, MeterAbi.TRAP_NONE);
    JsonNode args = action.get("args");
    long[] values = new long[args.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = Long.parseUnsignedLong(args.get(i).get("value").asText());
    }
    String outcome;
    String results = "";
    try {
      results = Arrays.toString(instance.call(action.get("field").asText(), values));
      outcome = "ok";
    } catch (RuntimeException | StackOverflowError e) {
      int code = (int) instance.global(MeterAbi.TRAP);
      TrapKind kind = code == MeterAbi.TRAP_CALL_DEPTH ? TrapKind.CALL_DEPTH
          : code == MeterAbi.TRAP_OUT_OF_FUEL ? TrapKind.OUT_OF_FUEL : Traps.kindOf(e);
      outcome = "trap:" + kind;
    }
    // After a trap other than unreachable the written-back fuel is engine-independent only up to the last call.
    return new String[] {outcome, results, outcome.equals("ok") ? "fuel=" + (FUEL - instance.global(MeterAbi.FUEL))
        : "-"};
  }

  private static void expectResults(String where, JsonNode expected, String actual) {
    long[] got = Arrays.stream(actual.substring(1, actual.length() - 1).split(", "))
        .filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
    assertThat(got).as(where).hasSize(expected.size());
    for (int i = 0; i < got.length; i++) {
      JsonNode e = expected.get(i);
      String value = e.get("value").asText();
      String t = e.get("type").asText();
      if (value.startsWith("nan:")) {
        boolean nan = t.equals("f32") ? Float.isNaN(Float.intBitsToFloat((int) got[i]))
            : Double.isNaN(Double.longBitsToDouble(got[i]));
        assertThat(nan).as(where + " result " + i + " is a NaN").isTrue();
      } else {
        long bits = Long.parseUnsignedLong(value);
        long mask = t.equals("i32") || t.equals("f32") ? 0xffff_ffffL : -1L;
        assertThat(got[i] & mask).as(where + " result " + i).isEqualTo(bits & mask);
      }
    }
  }

  /** Whether every value is a number (i32, i64, f32, f64): references are not part of the sandbox's ABIs. */
  private static boolean numeric(JsonNode values) {
    if (values == null) {
      return true;
    }
    for (JsonNode v : values) {
      if (!List.of("i32", "i64", "f32", "f64").contains(v.get("type").asText())) {
        return false;
      }
    }
    return true;
  }

  private static boolean onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
        return true;
      }
    }
    return false;
  }
}
