package dev.tandem.sandbox.engine;

import dev.tandem.core.wire.RpcErrors;

/**
 * Why a call stopped without a response of the module's own. Every kind is deterministic: the same module, request
 * and limits give the same kind on every node, so a trap is attested like a result.
 *
 * <p>Each kind has one JSON-RPC error code in -32010..-32029 (named in {@link RpcErrors}) and one fixed message;
 * together they are the whole
 * response ({@code {"error":{"code":…,"message":…}}}). The message never carries engine text, which could differ
 * between versions or nodes.
 */
public enum TrapKind {
  /** The module executed {@code unreachable} (a C {@code abort()} or {@code __builtin_trap()} does this). */
  UNREACHABLE(RpcErrors.TRAP_UNREACHABLE, "trap: unreachable executed"),
  /** A memory or table access outside its bounds. */
  OUT_OF_BOUNDS(RpcErrors.TRAP_OUT_OF_BOUNDS, "trap: out of bounds memory or table access"),
  /** Integer division or remainder by zero. */
  DIVISION_BY_ZERO(RpcErrors.TRAP_DIVISION_BY_ZERO, "trap: integer divide by zero"),
  /** Signed integer division overflow ({@code INT_MIN / -1}). */
  INTEGER_OVERFLOW(RpcErrors.TRAP_INTEGER_OVERFLOW, "trap: integer overflow"),
  /** A float-to-integer conversion of NaN or of a value out of the integer's range. */
  INVALID_CONVERSION(RpcErrors.TRAP_INVALID_CONVERSION, "trap: invalid conversion to integer"),
  /** {@code call_indirect} through an empty or missing table slot, or with the wrong signature. */
  INDIRECT_CALL(RpcErrors.TRAP_INDIRECT_CALL, "trap: bad indirect call"),
  /** The fuel budget ran out. */
  OUT_OF_FUEL(RpcErrors.TRAP_OUT_OF_FUEL, "trap: out of fuel"),
  /** The module trapped after {@code memory.grow} was refused by the memory limit, or starts larger than it. */
  MEMORY_LIMIT(RpcErrors.TRAP_MEMORY_LIMIT, "trap: memory limit exceeded"),
  /** Calls nested deeper than the call-depth limit. */
  CALL_DEPTH(RpcErrors.TRAP_CALL_DEPTH, "trap: call depth exceeded"),
  /** The response (or WASI stdout) is larger than the response limit. */
  OUTPUT_TOO_LARGE(RpcErrors.TRAP_OUTPUT_TOO_LARGE, "trap: output too large"),
  /**
   * The module's output is not a response: not UTF-8 JSON, a pointer outside memory, not exactly
   * {@code {"result":…}} or {@code {"error":{"code":int,"message":string[,"data":…]}}}, or an error code in the
   * range -32000..-32099 that is reserved for the platform.
   */
  INVALID_OUTPUT(RpcErrors.TRAP_INVALID_OUTPUT, "trap: invalid output"),
  /** A WASI command exited with a non-zero code. */
  EXIT_CODE(RpcErrors.TRAP_EXIT_CODE, "trap: non-zero exit code"),
  /** The request is larger than the request limit; the module was not run. */
  REQUEST_TOO_LARGE(RpcErrors.TRAP_REQUEST_TOO_LARGE, "request too large");

  /** First code of the range reserved for traps. */
  public static final int FIRST_CODE = RpcErrors.TRAP_FIRST;
  /** Last code of the range reserved for traps. */
  public static final int LAST_CODE = RpcErrors.TRAP_LAST;

  private final int code;
  private final String message;

  TrapKind(int code, String message) {
    this.code = code;
    this.message = message;
  }

  /** The JSON-RPC error code of this trap, in -32010..-32029. */
  public int code() {
    return code;
  }

  /** The fixed message of this trap's response. */
  public String message() {
    return message;
  }
}
