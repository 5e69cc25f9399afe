package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The largest frames a module may have, nested as deep as a call may go, still end in the deterministic
 * call-depth trap and never in a JVM stack overflow.
 */
class DeepFramesTest {

  @Test
  void widestAllowedFunctionsAtTheDeepestAllowedDepthTrapOnDepth() throws Exception {
    // 2 i32 params + 2045 i64 locals = 4092 slots, all live across the recursive call
    byte[] wasm = recursiveModule(2045);
    Limits deepest = Limits.builder().maxCallDepth(Limits.MAX_CALL_DEPTH).fuel(Long.MAX_VALUE / 4)
        // A wall-clock deadline far past the run (the interpreted run passed 60 s at load 32): the trap is what is checked,
        // and a busy machine must not turn it into a timeout.
        .timeout(Duration.ofMinutes(10)).build();
    for (boolean compiled : new boolean[] {true, false}) {
      try (Sandbox sandbox = Sandbox.builder().threads(1).compiled(compiled).build()) {
        ServiceModule m = sandbox.load("wide", wasm, Abi.TANDEM_V1);
        Outcome o = sandbox.call(m, TestSupport.request("run", "null"), deepest);
        assertThat(o.label()).as("compiled=" + compiled + ": " + o).isEqualTo("trap:call_depth");
      }
    }
  }

  @Test
  void widerFunctionsAreRejected() {
    byte[] wasm = recursiveModule(2048); // 2 + 2 x 2048 = 4098 slots
    try (Sandbox sandbox = Sandbox.builder().threads(1).build()) {
      assertThatThrownBy(() -> sandbox.load("wider", wasm, Abi.TANDEM_V1))
          .isInstanceOfSatisfying(ModuleRejectedException.class, e -> assertThat(e.reasons()).containsExactly(
              "function 1 has 4098 local slots (i64 and f64 count twice), more than 4096: its frames would make"
                  + " deep calls outgrow the stack"));
    }
  }

  /**
   * A tandem-v1 module whose function 1, {@code rec(i32 depth, i32 max) -> i64}, has {@code locals} i64 locals,
   * sets them all, recurses, then sums them (so every one is live across the call).
   */
  static byte[] recursiveModule(int locals) {
    Bytes types = new Bytes().u32(3)
        .raw(0x60).u32(1).raw(0x7f).u32(1).raw(0x7f)                    // 0: (i32) -> i32
        .raw(0x60).u32(2).raw(0x7f, 0x7f).u32(1).raw(0x7e)             // 1: (i32, i32) -> i64
        .raw(0x60).u32(2).raw(0x7f, 0x7f).u32(1).raw(0x7e);            // 2: (i32, i32) -> i64
    Bytes functions = new Bytes().u32(3).u32(0).u32(1).u32(2);
    Bytes memory = new Bytes().u32(1).raw(0x00).u32(1);
    Bytes exports = new Bytes().u32(3)
        .name("memory").raw(0x02).u32(0)
        .name("tandem_alloc").raw(0x00).u32(0)
        .name("tandem_call").raw(0x00).u32(2);
    Bytes alloc = new Bytes().u32(0).raw(0x41).s32(1024).raw(0x0b);
    Bytes rec = new Bytes().u32(1).u32(locals).raw(0x7e);
    for (int i = 0; i < locals; i++) {
      rec.raw(0x20).u32(0).raw(0xad).raw(0x21).u32(i + 2);            // local[i+2] = u64(depth)
    }
    rec.raw(0x20).u32(0).raw(0x20).u32(1).raw(0x4b)                    // if depth > max: return local 2
        .raw(0x04, 0x40).raw(0x20).u32(2).raw(0x0f).raw(0x0b)
        .raw(0x20).u32(0).raw(0x41).s32(1).raw(0x6a).raw(0x20).u32(1)  // rec(depth + 1, max)
        .raw(0x10).u32(1).raw(0x1a);
    for (int i = 0; i < locals; i++) {
      rec.raw(0x20).u32(2).raw(0x20).u32(i + 2).raw(0x7c).raw(0x21).u32(2);
    }
    rec.raw(0x20).u32(2).raw(0x0b);
    Bytes call = new Bytes().u32(0).raw(0x41).s32(0).raw(0x41).s32(1_000_000).raw(0x10).u32(1).raw(0x0b);
    Bytes code = new Bytes().u32(3).sized(alloc).sized(rec).sized(call);
    return new Bytes().raw(0, 'a', 's', 'm', 1, 0, 0, 0)
        .section(1, types).section(3, functions).section(5, memory).section(7, exports).section(10, code)
        .toByteArray();
  }

  /** Just enough of the Wasm binary encoding to write one module. */
  static final class Bytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Bytes raw(int... bytes) {
      for (int b : bytes) {
        out.write(b);
      }
      return this;
    }

    Bytes u32(long v) {
      do {
        int b = (int) (v & 0x7f);
        v >>>= 7;
        out.write(v == 0 ? b : b | 0x80);
      } while (v != 0);
      return this;
    }

    Bytes s32(int v) {
      while (true) {
        int b = v & 0x7f;
        v >>= 7;
        if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) {
          out.write(b);
          return this;
        }
        out.write(b | 0x80);
      }
    }

    Bytes name(String s) {
      byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      u32(b.length);
      out.writeBytes(b);
      return this;
    }

    Bytes sized(Bytes content) {
      byte[] b = content.toByteArray();
      u32(b.length);
      out.writeBytes(b);
      return this;
    }

    Bytes section(int id, Bytes content) {
      out.write(id);
      return sized(content);
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
