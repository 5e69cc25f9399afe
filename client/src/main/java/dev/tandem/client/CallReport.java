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
 */
public record CallReport(String service, String method, String requestHash, String verifier, int minRequests,
    List<ServerAnswer> answers, Verdict verdict, Decision decision, String responseHash, JsonNode response,
    List<PublicKey> convicted, Optional<Evidence> evidence,
    CompletableFuture<List<EvidenceDelivery>> evidenceDeliveries, Duration elapsed) {

  /** How a call's answer was decided. */
  public enum Decision {
    /** The verifier accepted one of the first votes. */
    VERIFIER,
    /** The votes conflicted and the home server's signed answer decided (whether or not it matched a side). */
    HOME,
    /** The votes conflicted and the verifier accepted one after more servers were asked. */
    ESCALATION,
    /**
     * Adaptive mode ({@link TandemClient.Builder#spotCheck}): one proven server's signed answer, taken without
     * verification.
     */
    UNCHECKED,
    /** Nothing was decided: the call failed. */
    NONE
  }

  public CallReport {
    answers = List.copyOf(answers);
    convicted = List.copyOf(convicted);
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
