package dev.tandem.client;

import dev.tandem.core.record.ServerRecord;
import java.util.Optional;

/**
 * The two shortcuts of adaptive mode ({@link TandemClient.Builder#spotCheck}) for one {@link CallRun}: an unchecked
 * call to one proven server alone, and a spot check of a proven server against one other operator. Either gives up
 * (empty) when it cannot decide, and the call is then verified in full with whatever answers already came in.
 */
final class AdaptiveCall {
  /** The score at which a server counts as proven for adaptive mode: about ten more good answers than bad. */
  static final int PROVEN_SCORE = 60;

  private final CallRun run;

  AdaptiveCall(CallRun run) {
    this.run = run;
  }

  /**
   * Adaptive mode, for a call the spot-check did not pick: the signed answer of one proven server, taken as is, or
   * when it is a service error, as the client's own re-run decides. Empty when no proven server is a candidate, the
   * one asked failed or was slow, or its error could not be re-run here: then the call is verified in full, and a
   * late answer of the server asked here still counts as a vote.
   */
  Optional<CallReport> askOneProvenServer() {
    Optional<ServerRecord> server = run.candidates.proven(PROVEN_SCORE);
    if (server.isEmpty()) {
      return Optional.empty();
    }
    run.launch(server.get());
    if (run.next(true) != CallRun.Progress.ANSWER || run.votes.size() != 1) {
      return Optional.empty();
    }
    String hash = run.votes.get(0).responseHash();
    if (run.votes.get(0).response().has("error")) {
      // A service error is never taken unchecked (ServiceErrorException always carries a verified error): the
      // client's own re-run confirms it without another request, else the call is verified in full.
      return new Dispute(run).confirmByRerun(hash);
    }
    return Optional.of(new Dispute(run).accept(hash, CallReport.Decision.UNCHECKED, false));
  }

  /**
   * Adaptive mode, for a call the spot-check picked: one proven server and one server of another operator, drawn by
   * weight (a server on probation earns trust this way), asked at once. The same signed answer from both is taken as
   * checked; any difference goes to the referee, whose re-run convicts whoever was wrong. One other operator is
   * enough to expose a lie because a disagreement is settled by a re-run, never by counting more answers, so a spot
   * check costs one request more than an unchecked call rather than a whole sample. Empty when no proven server or no
   * other operator is a candidate, or one of the two failed or was slow: then the call is verified in full, and the
   * answers already in count as votes.
   */
  Optional<CallReport> spotCheck() {
    Optional<ServerRecord> server = run.candidates.proven(PROVEN_SCORE);
    if (server.isEmpty()) {
      return Optional.empty();
    }
    run.launch(server.get());
    if (!run.canLaunch()) {
      return Optional.empty();
    }
    ServerRecord other = run.candidates.draw(run.askedBy.values());
    run.launch(other);
    if (run.ctx.directory().operator(other).equals(run.ctx.directory().operator(server.get()))) {
      return Optional.empty(); // every other candidate shares the proven server's operator: verify in full
    }
    while (run.votes.size() < 2) {
      if (run.inFlight.isEmpty() || run.next(true) != CallRun.Progress.ANSWER) {
        return Optional.empty();
      }
    }
    String hash = run.votes.get(0).responseHash();
    if (!hash.equals(run.votes.get(1).responseHash())) {
      return Optional.of(new Dispute(run).settle(null));
    }
    return Optional.of(new Dispute(run).accept(hash, CallReport.Decision.SPOT_CHECK,
        run.trust(hash).confirmsOthers()));
  }
}
