package dev.tandem.client;

import dev.tandem.core.crypto.PublicKey;
import java.net.URI;
import java.time.Duration;

/**
 * What one server answered in a call, for {@link CallReport}.
 *
 * @param server       the server's key (null for a home server that could not be reached and is not registered)
 * @param url          where it was asked
 * @param home         whether it was asked as the service's home server
 * @param kind         a valid vote, or which kind of failure
 * @param responseHash the attested response hash of a vote, else null
 * @param detail       for a failure, what was wrong; for a vote, {@code result} or {@code error CODE}
 * @param latency      time until the answer (or the failure; for {@link Kind#PENDING}, until the call ended)
 */
public record ServerAnswer(PublicKey server, URI url, boolean home, Kind kind, String responseHash, String detail,
    Duration latency) {

  /** How an answer counted. */
  public enum Kind {
    /** A valid, signed answer: it counted as a vote. */
    VOTE,
    /** A non-deterministic error from the node (overloaded, not ready, ...). */
    ERROR,
    /** No answer: refused, reset, or too late. */
    UNREACHABLE,
    /** An answer that failed the checks: garbage, bad signature, wrong hashes or server. */
    INVALID,
    /** Still no answer when the call ended (a slow server that was hedged, or not needed any more). */
    PENDING
  }

  /** The first {@code n} characters of the response hash, or {@code -} when there is none. */
  public String shortHash(int n) {
    return responseHash == null ? "-" : responseHash.substring(0, Math.min(n, responseHash.length()));
  }

  /** The key shortened for display: {@code ed25519:AbCdEf…}. */
  public String shortServer() {
    return server == null ? "?" : shortKey(server);
  }

  static String shortKey(PublicKey key) {
    String s = key.toString();
    return s.length() <= PublicKey.PREFIX.length() + 8 ? s : s.substring(0, PublicKey.PREFIX.length() + 8) + "…";
  }
}
