package dev.tandem.sandbox.meter;

import java.util.Arrays;

/** A function type: parameter and result value type bytes. */
record FuncType(int[] params, int[] results) {

  boolean sameAs(int[] otherParams, int[] otherResults) {
    return Arrays.equals(params, otherParams) && Arrays.equals(results, otherResults);
  }

  void encode(WasmWriter w) {
    w.u8(0x60).u32(params.length);
    for (int p : params) {
      w.u8(p);
    }
    w.u32(results.length);
    for (int r : results) {
      w.u8(r);
    }
  }
}
