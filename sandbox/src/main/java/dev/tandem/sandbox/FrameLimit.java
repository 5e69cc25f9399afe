package dev.tandem.sandbox;

import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;

/**
 * How large a function's frame may be. Compiled code keeps a Wasm function's locals in its JVM frame, so bounding
 * them bounds the JVM stack that {@link Limits#MAX_CALL_DEPTH} nested calls can need: the injected depth check must
 * fire before the worker's stack runs out, or the outcome would depend on the JVM instead of the module.
 */
final class FrameLimit {
  /** Most JVM local-variable slots (parameters plus locals; i64 and f64 take two) a function may have. */
  static final int MAX_LOCAL_SLOTS = 4096;

  private FrameLimit() {}

  /** The problem with function {@code index}'s frame, in a sentence; null when it is within the limit. */
  static String problem(int index, List<ValType> params, List<ValType> locals) {
    int slots = slots(params) + slots(locals);
    if (slots <= MAX_LOCAL_SLOTS) {
      return null;
    }
    return "function " + index + " has " + slots + " local slots (i64 and f64 count twice), more than "
        + MAX_LOCAL_SLOTS + ": its frames would make deep calls outgrow the stack";
  }

  private static int slots(List<ValType> types) {
    int n = 0;
    for (ValType t : types) {
      n += t.equals(ValType.I64) || t.equals(ValType.F64) ? 2 : 1;
    }
    return n;
  }
}
