package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.tandem.sandbox.engine.TrapKind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recognizes the traps the Wasm specification defines among the runtime's exceptions. Chicory signals them all as
 * {@link ChicoryException}s that differ only by message, in the interpreter and the compiler alike; the messages
 * are matched by prefix here and nowhere else, and a test pins each one. Anything not recognized is not assumed to
 * be deterministic. Other engines report traps as {@link dev.tandem.sandbox.engine.WasmTrap}s that carry their kind.
 */
final class Traps {
  private static final Map<String, TrapKind> BY_PREFIX = new LinkedHashMap<>();

  static {
    BY_PREFIX.put("Trapped on unreachable instruction", TrapKind.UNREACHABLE);
    BY_PREFIX.put("out of bounds memory access", TrapKind.OUT_OF_BOUNDS);
    BY_PREFIX.put("out of bounds table access", TrapKind.OUT_OF_BOUNDS);
    BY_PREFIX.put("integer divide by zero", TrapKind.DIVISION_BY_ZERO);
    BY_PREFIX.put("integer overflow", TrapKind.INTEGER_OVERFLOW);
    BY_PREFIX.put("invalid conversion to integer", TrapKind.INVALID_CONVERSION);
    BY_PREFIX.put("undefined element", TrapKind.INDIRECT_CALL);
    BY_PREFIX.put("uninitialized element", TrapKind.INDIRECT_CALL);
    BY_PREFIX.put("indirect call type mismatch", TrapKind.INDIRECT_CALL);
    BY_PREFIX.put("null function reference", TrapKind.INDIRECT_CALL);
    BY_PREFIX.put("Trapped on call_ref on null function reference", TrapKind.INDIRECT_CALL);
  }

  private Traps() {}

  /** The trap kind of {@code t}, or {@code null} when it is not a trap the Wasm specification defines. */
  static TrapKind kindOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof dev.tandem.sandbox.engine.WasmTrap trap) {
        return trap.kind();
      }
      if (!(c instanceof ChicoryException) || c.getMessage() == null) {
        continue;
      }
      if (c instanceof TrapException && c.getMessage().startsWith("Trapped on unreachable")) {
        return TrapKind.UNREACHABLE;
      }
      for (Map.Entry<String, TrapKind> e : BY_PREFIX.entrySet()) {
        if (c.getMessage().startsWith(e.getKey())) {
          return e.getValue();
        }
      }
    }
    return null;
  }
}
