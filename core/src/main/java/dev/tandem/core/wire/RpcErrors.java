package dev.tandem.core.wire;

/**
 * Every JSON-RPC error code Tandem uses, in one table: the sandbox's traps ({@code TrapKind}), its
 * non-deterministic outcomes ({@code Outcome.Reason}), the node's and the client's all name their codes from here.
 * The standard ones (-32700…-32600) plus two ranges of Tandem's own: The standard ones (-32700…-32600) plus two ranges of Tandem's own:
 *
 * <ul>
 *   <li>-32000…-32009: <b>non-deterministic</b> node conditions (overload, timeout, module not available, service not
 *       offered here, internal errors). They are never attested and never count as a vote.
 *   <li>-32010…-32029: <b>deterministic</b> traps of a service call (out of fuel, memory limit, ...): every honest
 *       node gives the same one, so they are attested like results.
 * </ul>
 */
public final class RpcErrors {
  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;

  /** The node is at its concurrency limit for this service; try another node. Non-deterministic. */
  public static final int OVERLOADED = -32000;
  /** The wall-clock guard fired. Non-deterministic. */
  public static final int TIMEOUT = -32001;
  /** The node offers the service but has not fetched or compiled its module yet. Non-deterministic. */
  public static final int MODULE_UNAVAILABLE = -32002;
  /** A node-side failure with no better code. Non-deterministic. */
  public static final int SERVER_ERROR = -32003;
  /** The node is shutting down. Non-deterministic. */
  public static final int SHUTTING_DOWN = -32004;
  /** The node does not offer this service. */
  public static final int UNKNOWN_SERVICE = -32005;
  /** The body, or the response, exceeds a size limit. */
  public static final int TOO_LARGE = -32006;
  /** An admin method was called without the right bearer token. */
  public static final int UNAUTHORIZED = -32007;
  /** A record or evidence was rejected (signature, seq, size); the message says which field and why. */
  public static final int REJECTED = -32008;

  /** First code of the deterministic trap range. */
  public static final int TRAP_FIRST = -32029;
  public static final int TRAP_LAST = -32010;

  // The deterministic traps of a service call, one code each (their fixed messages are in the sandbox's TrapKind).
  /** The module executed {@code unreachable}. */
  public static final int TRAP_UNREACHABLE = -32010;
  /** A memory or table access outside its bounds. */
  public static final int TRAP_OUT_OF_BOUNDS = -32011;
  /** Integer division or remainder by zero. */
  public static final int TRAP_DIVISION_BY_ZERO = -32012;
  /** Signed integer division overflow. */
  public static final int TRAP_INTEGER_OVERFLOW = -32013;
  /** A float-to-integer conversion of NaN or out of range. */
  public static final int TRAP_INVALID_CONVERSION = -32014;
  /** {@code call_indirect} through an empty slot or with the wrong signature. */
  public static final int TRAP_INDIRECT_CALL = -32015;
  /** The fuel budget ran out. */
  public static final int TRAP_OUT_OF_FUEL = -32016;
  /** The memory limit was exceeded. */
  public static final int TRAP_MEMORY_LIMIT = -32017;
  /** Calls nested deeper than the call-depth limit. */
  public static final int TRAP_CALL_DEPTH = -32018;
  /** The response is larger than the response limit. */
  public static final int TRAP_OUTPUT_TOO_LARGE = -32019;
  /** The module's output is not a valid response. */
  public static final int TRAP_INVALID_OUTPUT = -32020;
  /** A WASI command exited with a non-zero code. */
  public static final int TRAP_EXIT_CODE = -32021;
  /** The request is larger than the request limit; the module was not run. */
  public static final int TRAP_REQUEST_TOO_LARGE = -32022;

  private RpcErrors() {}

  /** Whether an error with this code is part of a service's deterministic answer (and so attested). */
  public static boolean isDeterministic(int code) {
    return !(code <= OVERLOADED && code > TRAP_LAST) && code != PARSE_ERROR && code != INVALID_REQUEST;
  }
}
