package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** What a browser's engine would not compile is found in the metered module's headers, before anything is parsed. */
class EngineLimitsTest {

  @Test
  void anOrdinaryModulePasses() {
    assertThat(EngineLimits.problem(GeneratedModules.module(100, 10, 300))).isNull();
  }

  @Test
  void aFunctionLargerThanABrowserCompilesIsFound() {
    int drops = EngineLimits.MAX_FUNCTION_BYTES / 3; // 3 bytes each, with the local count and the end: 1 over
    assertThat(EngineLimits.problem(GeneratedModules.module(1, drops - 1, -1))).isNull();
    assertThat(EngineLimits.problem(GeneratedModules.module(1, drops, -1)))
        .isEqualTo("a function is 7654322 bytes once metered, more than a browser compiles (7654321): browser clients"
            + " could not re-run it");
  }

  @Test
  void tooManyFunctionsParametersOrExportsAreFound() {
    assertThat(EngineLimits.problem(module(10, leb(EngineLimits.MAX_FUNCTIONS + 1))))
        .startsWith("the module defines 1000001 functions, more than a browser compiles");
    var type = new ByteArrayOutputStream();
    type.writeBytes(new byte[] {1, 0x60});
    type.writeBytes(leb(EngineLimits.MAX_PARAMS + 1));
    type.writeBytes(new byte[EngineLimits.MAX_PARAMS + 1]); // any value types: only their count is read
    type.write(0);
    assertThat(EngineLimits.problem(module(1, type.toByteArray())))
        .startsWith("type 0 has 1001 parameters and 0 results, more than a browser compiles");
    assertThat(EngineLimits.problem(module(7, leb(100_001))))
        .startsWith("the module has 100001 exports, more than a browser compiles (100000)");
    assertThat(EngineLimits.problem(module(11, leb(100_000)))).isNull();
  }

  /** A module of one section. */
  private static byte[] module(int id, byte[] payload) {
    var out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, (byte) id});
    out.writeBytes(leb(payload.length));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  private static byte[] leb(long value) {
    var out = new ByteArrayOutputStream();
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
    return out.toByteArray();
  }
}
