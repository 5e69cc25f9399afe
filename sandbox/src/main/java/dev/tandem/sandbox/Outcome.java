package dev.tandem.sandbox;

import dev.tandem.core.wire.RpcErrors;
import dev.tandem.sandbox.engine.TrapKind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How one call ended. {@link Deterministic} outcomes (a result, the module's own error, a trap) are the same on every
 * node for the same module, request and limits, and have exactly one canonical response; nodes attest them.
 * {@link NonDeterministic} outcomes (timeout, overload, internal failure) depend on the node and are never attested.
 *
 * <p>Every outcome reports the fuel the call used ({@code budget - remaining}; the whole budget when it ran out) and
 * what a WASI module wrote to stderr (kept for logs, never part of the response).
 */
public sealed interface Outcome permits Outcome.Deterministic, Outcome.NonDeterministic {

  /** Fuel used by the call; for non-deterministic outcomes, what was used until it stopped (0 when unknown). */
  long fuel();

  /** Whether this outcome is the same on every node and may be attested. */
  boolean deterministic();

  /** What a WASI module wrote to stderr, bounded by {@link Limits#maxStderrBytes()}; empty for other ABIs. */
  String stderr();

  /** A short label for logs and the CLI: {@code result}, {@code error}, {@code trap:out_of_fuel}, {@code timeout}. */
  String label();

  /**
   * Whether {@code other} ended the same way, as far as a node can tell: the same label and fuel and, for deterministic
   * outcomes, the same response bytes. Two engines must give the same outcome for every call.
   */
  default boolean sameAs(Outcome other) {
    return label().equals(other.label()) && fuel() == other.fuel()
        && (!(this instanceof Deterministic d)
            || other instanceof Deterministic o && Arrays.equals(d.responseJson(), o.responseJson()));
  }

  /** One line for logs and alarms: the label, the response (its first {@code max} characters) and the fuel. */
  default String summary(int max) {
    String response = this instanceof Deterministic d ? new String(d.responseJson(), StandardCharsets.UTF_8) : "-";
    if (response.length() > max) {
      response = response.substring(0, Math.max(0, max - 3)) + "...";
    }
    return label() + " " + response + " fuel=" + fuel();
  }

  private static String stderrNote(String stderr) {
    return stderr.isEmpty() ? "" : ", stderr=" + stderr.length() + " chars";
  }

  /** An outcome that is the same on every node; it has exactly one canonical response. */
  sealed interface Deterministic extends Outcome permits Result, ServiceError, Trap {
    /**
     * The response as canonical JSON (RFC 8785): {@code {"result":…}} or {@code {"error":{…}}}, UTF-8. This is what
     * is hashed and signed; the same outcome always gives the same bytes.
     */
    byte[] responseJson();

    @Override
    default boolean deterministic() {
      return true;
    }
  }

  /**
   * The module answered with {@code {"result":…}}.
   *
   * @param resultJson the result value alone, as canonical JSON (RFC 8785)
   */
  record Result(byte[] resultJson, long fuel, String stderr) implements Deterministic {
    public Result {
      resultJson = resultJson.clone();
      Objects.requireNonNull(stderr, "stderr");
    }

    @Override
    public byte[] resultJson() {
      return resultJson.clone();
    }

    /** The result value as text (canonical JSON). */
    public String resultText() {
      return new String(resultJson, StandardCharsets.UTF_8);
    }

    @Override
    public byte[] responseJson() {
      byte[] prefix = "{\"result\":".getBytes(StandardCharsets.UTF_8);
      byte[] out = Arrays.copyOf(prefix, prefix.length + resultJson.length + 1);
      System.arraycopy(resultJson, 0, out, prefix.length, resultJson.length);
      out[out.length - 1] = '}';
      return out;
    }

    @Override
    public String label() {
      return "result";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Result r && r.fuel == fuel && Arrays.equals(r.resultJson, resultJson)
          && r.stderr.equals(stderr);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(resultJson) * 31 + Long.hashCode(fuel);
    }

    @Override
    public String toString() {
      return "Result[" + resultText() + ", fuel=" + fuel + "]";
    }
  }

  /**
   * The module answered with its own {@code {"error":{"code":…,"message":…,"data":…}}}.
   *
   * @param code     the module's error code (never in the platform's range -32000..-32099)
   * @param message  the module's message
   * @param dataJson the {@code data} member as canonical JSON, or {@code null} when absent
   */
  record ServiceError(long code, String message, byte[] dataJson, long fuel, String stderr)
      implements Deterministic {
    public ServiceError {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(stderr, "stderr");
      dataJson = dataJson == null ? null : dataJson.clone();
    }

    @Override
    public byte[] dataJson() {
      return dataJson == null ? null : dataJson.clone();
    }

    @Override
    public byte[] responseJson() {
      return CanonicalJson.errorResponse(code, message, dataJson);
    }

    @Override
    public String label() {
      return "error";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ServiceError e && e.code == code && e.fuel == fuel && e.message.equals(message)
          && Arrays.equals(e.dataJson, dataJson) && e.stderr.equals(stderr);
    }

    @Override
    public int hashCode() {
      return Objects.hash(code, message, fuel) * 31 + Arrays.hashCode(dataJson);
    }

    @Override
    public String toString() {
      return "ServiceError[" + code + ", " + message
          + (dataJson == null ? "" : ", data=" + new String(dataJson, StandardCharsets.UTF_8))
          + ", fuel=" + fuel + "]";
    }
  }

  /**
   * The call trapped, ran out of a deterministic limit, or produced something that is not a response.
   *
   * @param kind   why; decides the whole response
   * @param detail what happened, for logs and developers (may contain engine text: never part of the response)
   */
  record Trap(TrapKind kind, String detail, long fuel, String stderr) implements Deterministic {
    public Trap {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(stderr, "stderr");
    }

    @Override
    public byte[] responseJson() {
      return CanonicalJson.errorResponse(kind.code(), kind.message(), null);
    }

    @Override
    public String toString() {
      return "Trap[" + kind + ", " + detail + ", fuel=" + fuel + stderrNote(stderr) + "]";
    }

    @Override
    public String label() {
      return "trap:" + kind.name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The call did not reach an outcome every node would reach. Not attested, never a vote; the client asks another
   * node. Carries a JSON-RPC error in -32000..-32009 (see {@link Reason}).
   */
  record NonDeterministic(Reason reason, String detail, long fuel, String stderr) implements Outcome {
    public NonDeterministic {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(stderr, "stderr");
    }

    @Override
    public boolean deterministic() {
      return false;
    }

    @Override
    public String label() {
      return reason.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return "NonDeterministic[" + reason + ", " + detail + ", fuel=" + fuel + stderrNote(stderr) + "]";
    }

    /** The (unattested) error response for this outcome: {@code {"error":{"code":…,"message":…}}}. */
    public byte[] errorJson() {
      return CanonicalJson.errorResponse(reason.code(), reason.message(), null);
    }

    /** Why a call had no deterministic outcome. */
    public enum Reason {
      /** Too many calls queued; try another node. */
      OVERLOADED(RpcErrors.OVERLOADED, "overloaded"),
      /** The wall-clock deadline passed first. */
      TIMEOUT(RpcErrors.TIMEOUT, "timeout"),
      /** The module is not (yet) available on this node. */
      UNAVAILABLE(RpcErrors.MODULE_UNAVAILABLE, "module not available"),
      /** Something failed in the node, not in the module (e.g. the JVM ran out of memory or stack). */
      INTERNAL(RpcErrors.SERVER_ERROR, "internal error"),
      /** The sandbox is shutting down. */
      SHUTDOWN(RpcErrors.SHUTTING_DOWN, "shutting down");

      private final int code;
      private final String message;

      Reason(int code, String message) {
        this.code = code;
        this.message = message;
      }

      public int code() {
        return code;
      }

      public String message() {
        return message;
      }
    }
  }
}
