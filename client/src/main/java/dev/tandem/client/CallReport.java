package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Everything one call did: which servers answered what, the verdict and how it was reached, who was convicted, the
 * evidence sent and how long it took. Returned by {@link ServiceHandle#callWithReport}; attached to the exceptions
 * of a failed call ({@link TandemException#report()}).
 *
 * @param service            the service id
 * @param method             the method called
 * @param requestHash        the client's own hash of the request
 * @param verifier           the verifier used ({@code builtin:equal}, {@code builtin:majority} or a CID)
 * @param minRequests        how many valid answers the call collected before asking the verifier
 * @param answers            every answer, in the order they arrived (the home server's included)
 * @param verdict            the verifier's last verdict over the votes, or null when it was never asked
 * @param decision           how the answer was decided; {@link #verified()} tells whether it was checked
 * @param responseHash       hash of the decided response, or null when nothing was decided
 * @param response           the decided response, {@code {"result":…}} or {@code {"error":…}}, or null
 * @param convicted          servers whose signed response differs from the decided one
 * @param evidence           the evidence built from conflicting votes, if any
 * @param evidenceDeliveries completes when every node the evidence was sent to has answered (or failed); empty list
 *                           when there was no evidence
 * @param elapsed            wall time of the call (evidence sending excluded)
 * @param reran              whether the client re-ran the request itself (its referee) during the call
 * @param notes              how trust was settled, one line each: a conflict and what settled it, a sample of
 *                           servers on probation, an unpinned home server (for {@code --verbose})
 * @param audit              the audit of the accepted answer ({@link TandemClient.Builder#audit}); completes with
 *                           {@link Audit.Status#NOT_AUDITED} when the call was not picked or nothing was accepted
 */
public record CallReport(String service, String method, String requestHash, String verifier, int minRequests,
    List<ServerAnswer> answers, Verdict verdict, Decision decision, String responseHash, JsonNode response,
    List<PublicKey> convicted, Optional<Evidence> evidence,
    CompletableFuture<List<EvidenceDelivery>> evidenceDeliveries, Duration elapsed, boolean reran,
    List<String> notes, CompletableFuture<Audit> audit) {

  /** How a call's answer was decided. */
  public enum Decision {
    /** The verifier accepted one of the first votes. */
    VERIFIER,
    /**
     * The client re-ran the request itself (its referee): the answers conflicted, or too few trustworthy servers
     * answered, or, in adaptive mode, the one proven server asked answered with a service error, and the client's
     * own result decided. Every signer of another answer was convicted.
     */
    REFEREE,
    /** The votes conflicted and the home server's signed answer decided (whether or not it matched a side). */
    HOME,
    /**
     * The votes conflicted, nothing could re-run the request, and the verifier accepted one answer confirmed by
     * servers of distinct operators after more were asked. Nobody is convicted on a vote: the evidence goes to the
     * nodes, which re-run it.
     */
    ESCALATION,
    /**
     * Adaptive mode ({@link TandemClient.Builder#spotCheck}): one proven server's signed answer, taken without
     * verification.
     */
    UNCHECKED,
    /**
     * Adaptive mode, a call the spot-check picked: one proven server's signed answer and the same answer signed by a
     * server of another operator (a difference goes to the referee instead).
     */
    SPOT_CHECK,
    /** Nothing was decided: the call failed. */
    NONE
  }

  public CallReport {
    answers = List.copyOf(answers);
    convicted = List.copyOf(convicted);
    notes = List.copyOf(notes);
  }

  /**
   * An audit: the client re-ran an accepted answer's request itself, off the caller's path.
   *
   * @param status       what it found
   * @param responseHash the hash the re-run gave, when it ran
   * @param convicted    the signers of the accepted answer, when it was wrong
   * @param detail       one line
   */
  public record Audit(Status status, String responseHash, List<PublicKey> convicted, String detail) {
    /** What an audit found. */
    public enum Status {
      /** The call was not picked for an audit (or nothing was accepted). */
      NOT_AUDITED,
      /** The re-run gives the accepted answer. */
      CONFIRMED,
      /** The re-run gives another answer: the accepted one was wrong, and its signers are convicted. */
      WRONG,
      /** The re-run could not be made (module unreachable, not deterministic). */
      FAILED
    }

    public Audit {
      convicted = List.copyOf(convicted);
    }

    static final Audit NONE = new Audit(Status.NOT_AUDITED, null, List.of(), "not audited");
  }

  /**
   * Whether the decided answer was verified: false for {@link Decision#UNCHECKED} (adaptive mode) and when nothing
   * was decided.
   */
  public boolean verified() {
    return decision != Decision.UNCHECKED && decision != Decision.NONE;
  }

  /** The decided result value (verified unless {@link #verified()} says otherwise), when it is a result. */
  public Optional<JsonNode> result() {
    return response != null && response.has("result") ? Optional.of(response.get("result")) : Optional.empty();
  }

  /** The verified error object, when the decided response is an error. */
  public Optional<JsonNode> error() {
    return response != null && response.has("error") ? Optional.of(response.get("error")) : Optional.empty();
  }

  /** The valid votes among the answers. */
  public List<ServerAnswer> votes() {
    return answers.stream().filter(a -> a.kind() == ServerAnswer.Kind.VOTE).toList();
  }
}
