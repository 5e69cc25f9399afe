package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A module's shape is read from its section headers, and bytes it cannot read count as code. */
class ModuleShapeTest {

  @Test
  void functionsAndCodeAreReadFromTheCodeSection() {
    byte[] wasm = GeneratedModules.module(1000, 10, -1);
    ModuleShape shape = ModuleShape.of(wasm);
    assertThat(shape.functions()).isEqualTo(1002);
    // Every filler body is 32 bytes (no locals, ten drops, end) and its size byte; the two exports' bodies 5 + 1 and 4 + 1; the count 2 bytes.
    assertThat(shape.codeBytes()).isEqualTo(1000 * 33 + 6 + 5 + 2);
    assertThat(shape.bytes()).isEqualTo(wasm.length);
    assertThat(shape.loadWeight()).isEqualTo(shape.codeBytes() + 64 * 1002);
    assertThat(shape.loadHeapBytes()).isEqualTo(128 * shape.loadWeight() + 2 * wasm.length);
  }

  @Test
  void aRealModule() {
    byte[] traps = fixture("traps.wasm");
    ModuleShape shape = ModuleShape.of(traps);
    assertThat(shape.functions()).isPositive();
    assertThat(shape.codeBytes()).isPositive().isLessThan(traps.length);
  }

  @Test
  void bytesThatAreNotAModuleCountAsCode() {
    byte[] garbage = "not a module at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(ModuleShape.of(garbage)).isEqualTo(new ModuleShape(garbage.length, garbage.length, 0));
    byte[] wasm = GeneratedModules.module(10, 10, -1);
    byte[] cut = Arrays.copyOf(wasm, wasm.length - 5); // the code section now claims more than there is
    assertThat(ModuleShape.of(cut)).isEqualTo(new ModuleShape(cut.length, cut.length, 0));
    byte[] noCode = Arrays.copyOf(wasm, 8);
    assertThat(ModuleShape.of(noCode)).isEqualTo(new ModuleShape(8, 0, 0));
  }
}
