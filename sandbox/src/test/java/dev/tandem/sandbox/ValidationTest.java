package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Load-time checks: every violation is refused with a sentence that says what is wrong. */
class ValidationTest {
  private static Sandbox sandbox;

  @BeforeAll
  static void open() {
    sandbox = Sandbox.builder().threads(1).build();
  }

  @AfterAll
  static void close() {
    sandbox.close();
  }

  private static List<String> reasons(byte[] wasm, Abi abi) {
    try {
      if (abi == Abi.VERIFIER) {
        sandbox.loadVerifier("x" + Arrays.hashCode(wasm), wasm);
      } else {
        sandbox.load("x" + Arrays.hashCode(wasm), wasm, abi);
      }
    } catch (ModuleRejectedException e) {
      assertThat(e.getMessage()).startsWith("module rejected as " + abi.id() + ": ");
      return e.reasons();
    }
    throw new AssertionError("module was accepted");
  }

  @Test
  void acceptableModuleReport() {
    ModuleReport report = ModuleValidator.validate(fixture("traps.wasm"), Abi.TANDEM_V1);
    assertThat(report.acceptable()).isTrue();
    assertThat(report.imports()).isEmpty();
    assertThat(report.exports()).containsExactly("memory: memory", "tandem_alloc: (i32) -> i32",
        "tandem_call: (i32, i32) -> i64");
    assertThat(report.summary()).isEqualTo("acceptable: tandem-v1, exports memory: memory, tandem_alloc: (i32) ->"
        + " i32, tandem_call: (i32, i32) -> i64, imports none");
  }

  @Test
  void forbiddenImport() {
    assertThat(reasons(fixture("imports-env.wasm"), Abi.TANDEM_V1))
        .containsExactly("a tandem-v1 module may not import anything, but it imports env.now (function)");
  }

  @Test
  void missingAndMistypedExports() {
    assertThat(reasons(fixture("wrong-exports.wasm"), Abi.TANDEM_V1)).containsExactly(
        "export 'tandem_fuel' is reserved for the metering the host adds",
        "missing export 'memory' (the linear memory)",
        "export 'tandem_alloc' has type (i64) -> i32, expected (i32) -> i32",
        "missing export 'tandem_call' (i32, i32) -> i64");
  }

  @Test
  void wrongAbiForTheModule() {
    assertThat(reasons(fixture("traps.wasm"), Abi.WASI_COMMAND)).containsExactly("missing export '_start' () -> ()");
    assertThat(reasons(fixture("traps.wasm"), Abi.VERIFIER)).containsExactly(
        "missing export 'minRequests' () -> i32", "missing export 'verify' (i32, i32) -> i64");
    assertThat(reasons(fixture("wasi-probe.wasm"), Abi.TANDEM_V1)).first().asString()
        .startsWith("a tandem-v1 module may not import anything, but it imports wasi_snapshot_preview1.");
  }

  @Test
  void aBrTableOfMoreThan4096TargetsIsRefused() throws Exception {
    byte[] largest = GeneratedModules.module(0, 0, ModuleValidator.MAX_BR_TABLE_TARGETS - 1); // and the default
    assertThat(sandbox.load("largest-table", largest, Abi.TANDEM_V1).loaded().report().acceptable()).isTrue();
    byte[] over = GeneratedModules.module(0, 0, ModuleValidator.MAX_BR_TABLE_TARGETS);
    assertThat(reasons(over, Abi.TANDEM_V1)).containsExactly("function 2 has a br_table of 4097 targets, more than "
        + "4096: compiling it would cost every node too much");
  }

  @Test
  void simdIsRefused() {
    assertThat(reasons(fixture("simd.wasm"), Abi.TANDEM_V1)).containsExactly(
        "the module uses SIMD (v128), which is not allowed: every node must run it identically");
  }

  @Test
  void garbage() {
    assertThat(reasons(new byte[0], Abi.TANDEM_V1)).containsExactly("the module is empty");
    assertThat(reasons("hello world".getBytes(), Abi.TANDEM_V1))
        .containsExactly("not a WebAssembly binary (it does not start with \\0asm)");
    assertThat(reasons(new byte[] {0, 'a', 's', 'm', 0x0d, 0, 1, 0}, Abi.TANDEM_V1))
        .containsExactly("this is a WebAssembly component, not a core module");
    assertThat(reasons(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}, Abi.TANDEM_V1))
        .containsExactly("unsupported WebAssembly binary version 2 (expected 1)");
    byte[] truncated = Arrays.copyOf(fixture("traps.wasm"), 100);
    assertThat(reasons(truncated, Abi.TANDEM_V1)).singleElement().asString()
        .startsWith("the module is malformed: ");
  }

  @Test
  void randomBytesAfterAValidHeaderAreRefusedNotCrashing() {
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] wasm = new byte[8 + random.nextInt(200)];
      random.nextBytes(wasm);
      System.arraycopy(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}, 0, wasm, 0, 8);
      ModuleReport report = ModuleValidator.validate(wasm, Abi.TANDEM_V1);
      assertThat(report.acceptable()).isFalse();
      assertThat(report.problems()).allSatisfy(p -> assertThat(p).isNotBlank());
    }
  }

  @Test
  void sizeLimit() {
    try (Sandbox small = Sandbox.builder().threads(1).maxModuleBytes(100).build()) {
      byte[] wasm = fixture("traps.wasm");
      assertThatThrownBy(() -> small.load("big", wasm, Abi.TANDEM_V1))
          .isInstanceOfSatisfying(ModuleRejectedException.class, e -> assertThat(e.reasons()).containsExactly(
              "the module is " + wasm.length + " bytes, more than the limit of 100 bytes"));
    }
  }

  @Test
  void wasiImportsMustBeRealPreview1Functions() {
    // wasi-probe imports only real preview 1 functions with their real types
    assertThat(ModuleValidator.validate(fixture("wasi-probe.wasm"), Abi.WASI_COMMAND).acceptable()).isTrue();
    assertThat(reasons(fixture("imports-env.wasm"), Abi.WASI_COMMAND)).contains(
        "import env.now is not allowed; a wasi-command module may import only from wasi_snapshot_preview1");
  }

  @Test
  void aModuleThatCannotBeInstantiatedIsRejectedAtLoad() {
    assertThat(reasons(fixture("bad-data.wasm"), Abi.TANDEM_V1)).singleElement().asString()
        .startsWith("the module cannot be instantiated: ");
  }

  @Test
  void aStartFunctionThatTrapsIsLoadedAndEveryCallTraps() throws Exception {
    ServiceModule m = sandbox.load("start-trap", fixture("start-trap.wasm"), Abi.TANDEM_V1);
    Outcome o = sandbox.call(m, TestSupport.request("m", "null"), Limits.defaults());
    assertThat(o.label()).isEqualTo("trap:unreachable");
    assertThat(o.fuel()).isPositive().isLessThan(10);
  }

  @Test
  void verifierAbiIsSeparate() {
    assertThatThrownBy(() -> sandbox.load("v", fixture("traps.wasm"), Abi.VERIFIER))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void abiNames() {
    assertThat(Abi.parse("tandem-v1")).isEqualTo(Abi.TANDEM_V1);
    assertThat(Abi.parse(" WASI-command ")).isEqualTo(Abi.WASI_COMMAND);
    assertThat(Abi.parse("verifier")).isEqualTo(Abi.VERIFIER);
    assertThatThrownBy(() -> Abi.parse("wasm32")).hasMessage(
        "unknown ABI 'wasm32': expected one of tandem-v1, wasi-command, verifier");
  }
}
