package dev.tandem.sandbox.graalwasm;

import dev.tandem.sandbox.engine.TrapKind;
import dev.tandem.sandbox.engine.WasmTrap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.graalvm.polyglot.PolyglotException;

/**
 * Turns what GraalWasm throws into what the sandbox classifies: a trap the Wasm specification defines becomes a
 * {@link WasmTrap} of its kind (GraalWasm names them by message, matched here and nowhere else), a host function's
 * exception is rethrown as itself, a cancellation as an interruption, stack exhaustion as a
 * {@link StackOverflowError}. Anything else stays unrecognized, so it is never taken for a deterministic trap.
 */
final class GraalTraps {
  private static final Map<String, TrapKind> BY_MESSAGE = new LinkedHashMap<>();

  static {
    BY_MESSAGE.put("unreachable", TrapKind.UNREACHABLE);
    BY_MESSAGE.put("integer divide by zero", TrapKind.DIVISION_BY_ZERO);
    BY_MESSAGE.put("integer overflow", TrapKind.INTEGER_OVERFLOW);
    BY_MESSAGE.put("invalid conversion to integer", TrapKind.INVALID_CONVERSION);
    BY_MESSAGE.put("out of bounds memory access", TrapKind.OUT_OF_BOUNDS);
    BY_MESSAGE.put("out of bounds table access", TrapKind.OUT_OF_BOUNDS);
    BY_MESSAGE.put("undefined element", TrapKind.INDIRECT_CALL);
    BY_MESSAGE.put("uninitialized element", TrapKind.INDIRECT_CALL);
    BY_MESSAGE.put("indirect call type mismatch", TrapKind.INDIRECT_CALL);
    BY_MESSAGE.put("defined element is ref.null", TrapKind.INDIRECT_CALL);
    // call_indirect: "Element index '7' out of table bounds.", "Table element at index 1 is uninitialized.",
    // "Actual (type 1 of function f) and expected (type 0 in module m) types differ in the indirect call."
    BY_MESSAGE.put("Element index ", TrapKind.INDIRECT_CALL);
    BY_MESSAGE.put("Table element at index ", TrapKind.INDIRECT_CALL);
    BY_MESSAGE.put("Actual (type ", TrapKind.INDIRECT_CALL);
    BY_MESSAGE.put("Table index out of bounds", TrapKind.OUT_OF_BOUNDS);
  }

  private GraalTraps() {}

  /** What to throw instead of {@code e}. */
  static RuntimeException translate(PolyglotException e) {
    if (e.isHostException()) {
      throw GraalTraps.<RuntimeException>sneaky(e.asHostException());
    }
    if (e.isCancelled() || e.isInterrupted()) {
      return new RuntimeException("interrupted: " + e.getMessage(), new InterruptedException());
    }
    if (e.isResourceExhausted() || "call stack exhausted".equals(e.getMessage())) {
      throw new StackOverflowError(e.getMessage());
    }
    TrapKind kind = e.isGuestException() && !e.isInternalError() ? kindOf(e.getMessage()) : null;
    if (kind != null) {
      return new WasmTrap(kind, e.getMessage());
    }
    return new IllegalStateException("graalwasm: " + e.getMessage(), e);
  }

  /** The trap kind a GraalWasm message names, or null. */
  static TrapKind kindOf(String message) {
    if (message == null) {
      return null;
    }
    for (Map.Entry<String, TrapKind> m : BY_MESSAGE.entrySet()) {
      if (message.startsWith(m.getKey())) {
        return m.getValue();
      }
    }
    // A load or store outside memory: "8-byte memory access at address 0x… is out-of-bounds (memory size …)".
    return message.contains("memory access at address") && message.contains("out-of-bounds")
        ? TrapKind.OUT_OF_BOUNDS : null;
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneaky(Throwable t) throws T {
    throw (T) t;
  }
}
