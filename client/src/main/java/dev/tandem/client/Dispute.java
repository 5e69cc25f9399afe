package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.referee.Referee;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.Verdict;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link CallRun} ends: accepting an answer, or settling what the sample could not. A conflict goes to the
 * client's own re-run of the request (the referee) when it can run, else to the home server (only an answer signed
 * by the key its record pins), else to more servers, accepting only an answer the verifier accepts and servers of
 * distinct operators confirm. A conviction rests on a re-run or on the home server's signed word, never on a vote.
 * Accepted answers are audited at the client's audit rate, off the caller's path.
 */
final class Dispute {
  private static final Logger LOG = LoggerFactory.getLogger(Dispute.class);
  /** How long past its own timeout the home server's request is waited for. */
  private static final Duration HOME_MARGIN = Duration.ofSeconds(1);

  private final CallRun r;
  private final CallContext ctx;
  private final CallEvidence evidence;

  Dispute(CallRun run) {
    this.r = run;
    this.ctx = run.ctx;
    this.evidence = new CallEvidence(run);
  }

  /** The sample's answers differ: {@code verifierPick} is the verifier's choice among them, or null on a conflict. */
  CallReport settle(String verifierPick) {
    List<String> reasons = new ArrayList<>();
    reasons.add("the " + r.votes.size() + " answers conflict: " + groups());
    Optional<Referee.Rerun.Done> rerun = rerun(reasons);
    if (rerun.isPresent()) {
      note("conflict settled by the referee: the request re-run here gives " + shortHash(rerun.get().responseHash()));
      return decide(rerun.get().responseHash(), CallReport.Decision.REFEREE, List.of(), rerun.get(), true);
    }
    Optional<Answer.Vote> home = askHome(reasons);
    if (home.isPresent()) {
      // The owner named the home server to settle conflicts: its signed answer decides, even when it matches no side.
      note("conflict settled by the home server: " + shortHash(home.get().responseHash()));
      return decide(home.get().responseHash(), CallReport.Decision.HOME, home.stream().toList(), null, true);
    }
    if (verifierPick == null && r.verifier.conflictIsFinal()) {
      reasons.add("verifier " + r.verifier.id() + " never accepts once answers differ: asking more servers cannot "
          + "settle it");
    } else {
      while (r.canLaunch()) {
        r.launch();
      }
      while (!r.inFlight.isEmpty() && r.next(false) != CallRun.Progress.DEADLINE) {
        // collect every answer that arrives before the deadline
      }
      r.verdict = r.verify();
      if (r.verdict.kind() == Verdict.Kind.ACCEPT) {
        String hash = r.votes.get(r.verdict.accepted()).responseHash();
        Trust trust = r.trust(hash);
        boolean establishedDissent = r.votes.stream().anyMatch(v -> !v.responseHash().equals(hash)
            && ctx.scores().established(v.server()));
        if (trust.operators() >= r.min && (trust.established() || !establishedDissent)) {
          note("conflict settled by more servers: " + trust.operators() + " operators sign " + shortHash(hash)
              + "; nobody convicted here, the nodes re-run the evidence");
          return decide(hash, CallReport.Decision.ESCALATION, List.of(), null, false);
        }
      }
      reasons.add("after " + r.votes.size() + " answers from " + r.asked + " servers the verifier says "
          + r.verdict.kind().id() + ": " + groups());
    }
    // Undecided, but servers signed different answers to one request: nodes can settle it by re-running it.
    List<Evidence> evidence = this.evidence.of(home.stream().toList(), Set.of());
    CompletableFuture<List<EvidenceDelivery>> sent = this.evidence.send(evidence, List.of());
    throw new UnverifiableException("cannot verify the answer of " + r.label(), reasons,
        report(new Decision(CallReport.Decision.NONE, null, null, List.of(), first(evidence), sent, null)));
  }

  /**
   * Every vote signs {@code hash} but too few trustworthy servers do: the referee's re-run stands in for the missing
   * confirmations (then the home server); without either, distinct operators' agreement is taken as it is.
   */
  CallReport standIn(String hash, Trust trust) {
    return standIn(hash, trust, () -> new UnverifiableException("cannot verify the answer of " + r.label(),
        List.of("only " + trust.operators() + " operator(s) of " + r.min + " needed sign it, and neither a re-run "
            + "here nor the home server could confirm it"), report(null)));
  }

  private CallReport standIn(String hash, Trust trust, Supplier<TandemException> otherwise) {
    String why = trust.operators() < r.min ? trust.operators() + " operator(s) of " + r.min + " needed sign it"
        : "its signers are all on probation";
    List<String> reasons = new ArrayList<>();
    Optional<Referee.Rerun.Done> rerun = rerun(reasons);
    if (rerun.isPresent()) {
      note(why + ": the referee re-ran it here (" + shortHash(rerun.get().responseHash()) + ")");
      boolean same = rerun.get().responseHash().equals(hash);
      return decide(rerun.get().responseHash(), same && trust.operators() >= r.min ? CallReport.Decision.VERIFIER
          : CallReport.Decision.REFEREE, List.of(), rerun.get(), true);
    }
    Optional<Answer.Vote> home = askHome(reasons);
    if (home.isPresent()) {
      note(why + ": the home server confirmed (" + shortHash(home.get().responseHash()) + ")");
      return decide(home.get().responseHash(), CallReport.Decision.HOME, home.stream().toList(), null, true);
    }
    if (trust.operators() >= r.min) {
      note(why + ", and nothing could confirm it: " + String.join("; ", reasons) + "; taken on the agreement of "
          + trust.operators() + " distinct operators");
      return decide(hash, CallReport.Decision.VERIFIER, List.of(), null, false);
    }
    throw otherwise.get();
  }

  /**
   * Adaptive mode: the one proven server asked signed a service error ({@code hash}), which is never taken
   * unchecked. The client's own re-run decides instead of more servers: the same error is accepted as verified;
   * anything else is the answer, and the server is convicted. Empty when the referee cannot run here: the caller
   * then verifies in full.
   */
  Optional<CallReport> confirmByRerun(String hash) {
    if (ctx.settings().referee() != RefereeMode.LOCAL) {
      return Optional.empty();
    }
    Optional<Referee.Rerun.Done> rerun = rerun(new ArrayList<>());
    if (rerun.isEmpty()) {
      return Optional.empty();
    }
    String decided = rerun.get().responseHash();
    note(decided.equals(hash) ? "the proven server's error " + shortHash(hash) + " is confirmed by the re-run here"
        : "the proven server's error " + shortHash(hash) + " is wrong: the re-run here gives " + shortHash(decided));
    return Optional.of(decide(decided, CallReport.Decision.REFEREE, List.of(), rerun.get(), true));
  }

  /** The call ran out of servers or time before it had {@code needed} answers. */
  CallReport notEnough(int needed) {
    String why = r.votes.size() + " valid answer" + (r.votes.size() == 1 ? "" : "s") + " of " + needed
        + " needed from " + r.asked + " server" + (r.asked == 1 ? "" : "s") + " asked"
        + (r.clock.nanoTime() >= r.deadline ? " before the deadline of " + ctx.settings().callTimeout().toMillis()
        + " ms" : !r.canLaunch() && r.asked < needed ? ", no other server offers it" + blacklistedNote()
        : ", no other server can be asked");
    List<String> reasons = new ArrayList<>(r.failures);
    Supplier<TandemException> fail = () -> new NoServersException("not enough servers answered for " + r.label()
        + ": " + why + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")"), report(null));
    if (r.votes.isEmpty()) {
      throw fail.get();
    }
    if (r.distinctHashes().size() > 1) {
      return settle(null);
    }
    String hash = r.votes.get(0).responseHash();
    return standIn(hash, r.trust(hash), fail);
  }

  /** Why servers that do offer the service were not asked: they are blacklisted here (convicted, here or in a feed). */
  private String blacklistedNote() {
    return r.blacklisted() == 0 ? "" : " that is not blacklisted here (" + r.blacklisted() + " more offer"
        + (r.blacklisted() == 1 ? "s" : "") + " it: convicted of signing a wrong answer)";
  }

  /** Accepts {@code hash}, which every vote signs. */
  CallReport accept(String hash, CallReport.Decision how, boolean confirmSigners) {
    return decide(hash, how, List.of(), null, false, confirmSigners);
  }

  private Optional<Referee.Rerun.Done> rerun(List<String> reasons) {
    if (ctx.settings().referee() != RefereeMode.LOCAL) {
      return Optional.empty();
    }
    Referee.Rerun result = ctx.referee().rerun(r.service, r.serviceId, r.call, this::moduleSources);
    r.reran = true;
    return switch (result) {
      case Referee.Rerun.Done d -> Optional.of(d);
      case Referee.Rerun.Failed f -> {
        reasons.add("referee: " + f.reason());
        note("the referee could not re-run it: " + f.reason());
        yield Optional.empty();
      }
    };
  }

  List<URI> moduleSources() {
    return ctx.directory().moduleSources(r.service, r.serviceId, ctx.scores());
  }

  /**
   * The home server's vote: from the votes when it was among the servers asked, else asked now. A record that pins
   * the home's key accepts only an answer signed by that key; an old record (URL only) takes the key registered at
   * that URL, and the call notes that its home is unpinned.
   */
  private Optional<Answer.Vote> askHome(List<String> reasons) {
    if (r.service.home() == null) {
      reasons.add("the service has no home server");
      return Optional.empty();
    }
    URI home = NodeUrls.base(r.service.home());
    if (!ctx.directory().allows(home)) {
      reasons.add("the home server " + home + " is not contacted: the client's peer policy ("
          + ctx.directory().policyName() + ") refuses its address");
      return Optional.empty();
    }
    PublicKey pinned = r.service.homeKey();
    if (pinned == null) {
      note("home server " + home + " is unpinned: its record names no key");
    }
    for (Answer.Vote v : r.votes) {
      if (pinned != null ? v.server().equals(pinned) : NodeUrls.base(v.url()).equals(home)) {
        return Optional.of(v);
      }
    }
    PublicKey expected = pinned != null ? pinned
        : ctx.directory().serverAt(home).map(ServerRecord::key).orElse(null);
    Duration timeout = r.timeLeft(r.requestTimeout);
    CallClock.Inbox<Answer> reply = r.clock.inbox();
    Answer a;
    try {
      ctx.exchange().ask(home, expected, r.serviceId, r.call, ctx.nextId(), timeout,
          r.service.limits().maxAnswerBytes()).thenAccept(reply::put);
      // The request's own timeout ends it; the margin only guards against a transport that never completes.
      a = reply.poll(timeout.toNanos() + HOME_MARGIN.toNanos());
      if (a == null) {
        a = new Answer.Failure(expected, home, ScoreEvent.UNREACHABLE, "no answer within " + timeout.toMillis()
            + " ms", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TandemException("interrupted while calling " + r.label(), e);
    } catch (RuntimeException e) {
      a = new Answer.Failure(expected, home, ScoreEvent.UNREACHABLE, String.valueOf(e.getMessage()), Duration.ZERO);
    }
    r.score(a);
    r.file(a, true);
    if (a instanceof Answer.Vote v) {
      return Optional.of(v);
    }
    reasons.add("home server " + home + ": " + ((Answer.Failure) a).reason());
    return Optional.empty();
  }

  /** What was decided, for the report. */
  record Decision(CallReport.Decision how, String responseHash, JsonNode response, List<PublicKey> convicted,
      Evidence evidence, CompletableFuture<List<EvidenceDelivery>> sent, CompletableFuture<CallReport.Audit> audit) {}

  private CallReport decide(String hash, CallReport.Decision how, List<Answer.Vote> extra, Referee.Rerun.Done rerun,
      boolean convict) {
    return decide(hash, how, extra, rerun, convict, rerun != null || how == CallReport.Decision.HOME);
  }

  /**
   * Accepts {@code hash}: with {@code convict}, convicts every signer of something else; with {@code confirm},
   * counts the answer of every signer of {@code hash} as confirmed; sends evidence, schedules the audit, returns or
   * throws. The response returned is the canonical JSON whose hash was signed.
   */
  private CallReport decide(String hash, CallReport.Decision how, List<Answer.Vote> extra, Referee.Rerun.Done rerun,
      boolean convict, boolean confirm) {
    List<PublicKey> convicted = new ArrayList<>();
    List<Answer.Vote> all = new ArrayList<>(r.votes);
    all.addAll(extra);
    for (Answer.Vote v : all) {
      if (v.responseHash().equals(hash)) {
        if (confirm) {
          ctx.scores().confirm(v.server());
        }
      } else if (convict && !convicted.contains(v.server())) {
        ctx.scores().convict(v.server());
        convicted.add(v.server());
        LOG.info("convicted {} of a wrong answer for {} ({} instead of {}, {})", v.server(), r.label(),
            shortHash(v.responseHash()), shortHash(hash), how.name().toLowerCase());
      }
    }
    JsonNode response = all.stream().filter(v -> v.responseHash().equals(hash)).findFirst()
        .map(v -> parse(v.canonical(), v.response())).orElseGet(() -> canonical(rerun.response()));
    boolean conflict = all.stream().map(Answer.Vote::responseHash).distinct().count() > 1;
    List<Evidence> evidence = convicted.isEmpty() && !conflict ? List.of()
        : this.evidence.of(extra, Set.copyOf(convicted));
    CompletableFuture<List<EvidenceDelivery>> sent = this.evidence.send(evidence, convicted);
    boolean audited = rerun != null || how == CallReport.Decision.REFEREE;
    CompletableFuture<CallReport.Audit> audit = audited ? CompletableFuture.completedFuture(CallReport.Audit.NONE)
        : new AuditRun(this, hash, all).schedule();
    CallReport report = report(new Decision(how, hash, response, convicted, first(evidence), sent, audit));
    report.audit().thenAccept(a -> {
      if (a.status() == CallReport.Audit.Status.WRONG) {
        ctx.auditListener().accept(report, a);
      }
    });
    if (response.has("error")) {
      throw new ServiceErrorException(response.get("error"), report);
    }
    return report;
  }

  /** The canonical form of a signed response: what its hash covers, whatever spelling the server sent. */
  private static JsonNode canonical(JsonNode response) {
    try {
      return parse(Jcs.canonicalize(response), response);
    } catch (JsonFormatException e) {
      return response; // the referee's response was canonicalized when it was hashed: this cannot happen
    }
  }

  /** {@code canonical} (a response's canonical bytes) as JSON; {@code response} itself should it not parse. */
  private static JsonNode parse(byte[] canonical, JsonNode response) {
    try {
      return Json.parse(canonical);
    } catch (JsonFormatException e) {
      return response; // canonical bytes of a parsed response: this cannot happen
    }
  }

  private static Evidence first(List<Evidence> evidence) {
    return evidence.isEmpty() ? null : evidence.get(0);
  }

  private String groups() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    r.votes.forEach(v -> counts.merge(shortHash(v.responseHash()), 1, Integer::sum));
    return counts.entrySet().stream().map(e -> e.getValue() + "× " + e.getKey()).collect(Collectors.joining(", "));
  }

  private void note(String line) {
    if (!r.notes.contains(line)) {
      r.notes.add(line);
    }
  }

  static String shortHash(String hash) {
    return hash == null ? "-" : hash.substring(0, Math.min(12, hash.length()));
  }

  CallReport report(Decision d) {
    Decision decision = d == null ? new Decision(CallReport.Decision.NONE, null, null, List.of(), null,
        CompletableFuture.completedFuture(List.of()), null) : d;
    List<ServerAnswer> all = new ArrayList<>(r.answers);
    long now = r.clock.nanoTime();
    r.inFlight.forEach((ticket, since) -> {
      ServerRecord s = r.askedBy.get(ticket);
      all.add(new ServerAnswer(s.key(), s.url(), false, ServerAnswer.Kind.PENDING, null,
          r.hedged.contains(ticket) ? "no answer yet (hedged)" : "no answer yet", Duration.ofNanos(now - since)));
    });
    return new CallReport(r.serviceId, r.call.method(), r.call.requestHash(), r.verifier.id(), r.min, all,
        r.verdict, decision.how(), decision.responseHash(), decision.response(), decision.convicted(),
        Optional.ofNullable(decision.evidence()), decision.sent(), Duration.ofNanos(r.clock.nanoTime() - r.start),
        r.reran, r.notes, decision.audit() != null ? decision.audit()
        : CompletableFuture.completedFuture(CallReport.Audit.NONE));
  }

  CallRun run() {
    return r;
  }
}
