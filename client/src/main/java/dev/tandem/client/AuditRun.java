package dev.tandem.client;

import dev.tandem.client.referee.Referee;
import dev.tandem.core.crypto.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit of one accepted answer ({@link TandemClient.Builder#audit}): at the client's audit rate, the request is
 * re-run here off the caller's path (spot-check mode's unchecked answers included). A re-run that gives another
 * answer convicts every signer of the accepted one and sends the evidence; the report's {@link CallReport#audit()}
 * and the client's audit listener say so.
 */
final class AuditRun {
  private static final Logger LOG = LoggerFactory.getLogger(AuditRun.class);

  private final Dispute dispute;
  private final CallContext ctx;
  private final String hash;
  private final List<Answer.Vote> votes;

  AuditRun(Dispute dispute, String hash, List<Answer.Vote> votes) {
    this.dispute = dispute;
    this.ctx = dispute.run().ctx;
    this.hash = hash;
    this.votes = List.copyOf(votes);
  }

  /** Draws whether to audit; if so, runs the audit on the client's audit executor. */
  CompletableFuture<CallReport.Audit> schedule() {
    double rate = ctx.settings().audit();
    if (rate <= 0 || !ctx.settings().referee().runsLocally() || !ctx.selector().chance(rate)) {
      return CompletableFuture.completedFuture(CallReport.Audit.NONE);
    }
    CompletableFuture<CallReport.Audit> out = new CompletableFuture<>();
    ctx.auditExecutor().execute(() -> {
      try {
        out.complete(audit());
      } catch (RuntimeException e) {
        out.complete(new CallReport.Audit(CallReport.Audit.Status.FAILED, null, List.of(), String.valueOf(e)));
      }
    });
    return out;
  }

  private CallReport.Audit audit() {
    CallRun r = dispute.run();
    Referee.Rerun rerun = ctx.referee().rerun(r.service, r.serviceId, r.call, dispute::moduleSources);
    if (!(rerun instanceof Referee.Rerun.Done done)) {
      return new CallReport.Audit(CallReport.Audit.Status.FAILED, null, List.of(),
          ((Referee.Rerun.Failed) rerun).reason());
    }
    List<PublicKey> signers = new ArrayList<>();
    for (Answer.Vote v : votes) {
      if (v.responseHash().equals(hash) && !signers.contains(v.server())) {
        signers.add(v.server());
      }
    }
    if (done.responseHash().equals(hash)) {
      signers.forEach(ctx.scores()::confirm);
      return new CallReport.Audit(CallReport.Audit.Status.CONFIRMED, hash, List.of(), "the re-run here agrees");
    }
    for (PublicKey liar : signers) {
      ctx.scores().convict(liar);
      LOG.warn("audit: {} signed a wrong answer for {} that was accepted ({} instead of {})", liar, r.label(),
          Dispute.shortHash(hash), Dispute.shortHash(done.responseHash()));
    }
    CallEvidence evidence = new CallEvidence(r);
    evidence.send(evidence.of(List.of(), Set.copyOf(signers)), signers);
    return new CallReport.Audit(CallReport.Audit.Status.WRONG, done.responseHash(), signers,
        "the accepted answer " + Dispute.shortHash(hash) + " was wrong: the re-run here gives "
            + Dispute.shortHash(done.responseHash()));
  }
}
