package dev.tandem.core.wire;

/**
 * JSON-RPC error codes used by Tandem. The standard ones (-32700…-32600) plus two ranges of Tandem's own:
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

  private RpcErrors() {}

  /** Whether an error with this code is part of a service's deterministic answer (and so attested). */
  public static boolean isDeterministic(int code) {
    return !(code <= OVERLOADED && code > TRAP_LAST) && code != PARSE_ERROR && code != INVALID_REQUEST;
  }
}
