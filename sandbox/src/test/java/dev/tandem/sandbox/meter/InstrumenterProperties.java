package dev.tandem.sandbox.meter;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.Parser;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The rewriter must survive any input: a corrupted module gives an InstrumentException, never a crash. */
class InstrumenterProperties {

  @Property(tries = 400)
  void corruptedModulesFailCleanly(@ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll @IntRange(min = 0, max = 255) int value, @ForAll boolean truncate) {
    byte[] wasm = where % 2 == 0 ? InstrumenterTest.sumModule() : InstrumenterTest.floatModule();
    int at = where % wasm.length;
    byte[] bad = truncate ? java.util.Arrays.copyOf(wasm, at) : wasm.clone();
    if (!truncate) {
      bad[at] = (byte) value;
    }
    try {
      byte[] out = Instrumenter.instrument(bad, InstrumentOptions.all()).wasm();
      // When the rewriter accepts it, the result must be as valid as the input was.
      boolean inputValid = parses(bad);
      if (inputValid) {
        assertThat(parses(out)).as("instrumented output of a valid module validates").isTrue();
      }
    } catch (InstrumentException expected) {
      assertThat(expected.getMessage()).contains("byte offset");
    }
  }

  private static boolean parses(byte[] wasm) {
    try {
      Parser.parse(wasm);
      return true;
    } catch (RuntimeException | AssertionError e) { // the parser's own asserts fire on some corruptions under -ea
      return false;
    }
  }
}
