package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.client.verify.Verifier;
import dev.tandem.client.verify.VerifierFailedException;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.core.wire.Verdict;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call of a service (docs/protocol.md, "A verified call"): ask {@code minRequests} servers in parallel, replace
 * each one whose answer is not a valid vote, let the verifier judge, and on a conflict ask the home server and/or
 * more servers, convict the servers that signed a different answer than the decided one and send the evidence on. In
 * adaptive mode ({@link TandemClient.Builder#spotCheck}) a call the spot-check skips goes to one proven server alone.
 * Single use.
 *
 * <p>Runs on the caller's thread; the requests themselves are asynchronous and report back through an inbox. Time
 * and waiting come from the client's {@link CallClock}, so a simulation can run this same logic on virtual time.
 */
final class CallRun {
  private static final Logger LOG = LoggerFactory.getLogger(CallRun.class);
  /** The score at which a server counts as proven for adaptive mode: about ten more good answers than bad. */
  static final int PROVEN_SCORE = 60;
  /** How long past its own timeout the home server's request is waited for. */
  private static final Duration HOME_MARGIN = Duration.ofSeconds(1);

  private final TandemClient.Context ctx;
  private final ServiceRecord service;
  private final String serviceId;
  private final Verifier verifier;
  private final ServiceCall call;
  private final int min;
  private final int max;
  private final CallClock clock;
  private final long start;
  private final long deadline;
  private final Duration requestTimeout;

  private final CallClock.Inbox<Arrival> arrivals;
  /** Requests in flight: ticket → when sent. */
  private final Map<Long, Long> inFlight = new HashMap<>();
  private final Map<Long, ServerRecord> askedBy = new HashMap<>();
  /** Tickets of requests in flight that were hedged: a replacement was sent because they were slow. */
  private final Set<Long> hedged = new HashSet<>();
  private long tickets;
  private final List<ServerRecord> remaining;
  private final List<Answer.Vote> votes = new ArrayList<>();
  private final List<ServerAnswer> answers = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private int asked;
  private Verdict verdict;

  CallRun(TandemClient.Context ctx, ServiceRecord service, String serviceId, Verifier verifier, ServiceCall call,
      int minRequests, int maxRequests) {
    this.ctx = ctx;
    this.service = service;
    this.serviceId = serviceId;
    this.verifier = verifier;
    this.call = call;
    this.min = Math.max(verifier.minRequests(), minRequests);
    this.max = Math.max(this.min, maxRequests);
    this.clock = ctx.time();
    this.start = clock.nanoTime();
    this.arrivals = clock.inbox();
    Duration total = ctx.settings().callTimeout();
    this.deadline = start + total.toNanos();
    Duration perRequest = ctx.settings().requestTimeout() != null ? ctx.settings().requestTimeout()
        : Duration.ofMillis(service.limits().timeoutMs() + 2_000L);
    this.requestTimeout = perRequest.compareTo(total) < 0 ? perRequest : total;
    this.remaining = new ArrayList<>(candidates());
  }

  private List<ServerRecord> candidates() {
    List<ServerRecord> offering = ctx.directory().offering(serviceId);
    if (offering.size() < min) {
      ctx.directory().refreshSoon(); // records of servers that just started offering it may be on their way
      offering = ctx.directory().offering(serviceId);
    }
    return offering.stream().filter(ctx.settings().serverFilter())
        .filter(s -> !ctx.scores().blacklisted(s.key())).toList();
  }

  CallReport run() {
    if (remaining.isEmpty()) {
      long offering = ctx.directory().offering(serviceId).size();
      throw new NoServersException(offering == 0 ? "no server offers service " + label()
          : "no usable server for service " + label() + ": " + offering + " offer it, all are blacklisted or "
          + "filtered out", report(null));
    }
    if (ctx.settings().spotCheck() < 1 && !ctx.selector().chance(ctx.settings().spotCheck())) {
      Optional<CallReport> unchecked = askOneProvenServer();
      if (unchecked.isPresent()) {
        return unchecked.get();
      }
    }
    int needed = min;
    while (true) {
      while (votes.size() + active() < needed && canLaunch()) {
        launch();
      }
      if (votes.size() >= needed) {
        verdict = verify();
        switch (verdict.kind()) {
          case ACCEPT -> {
            return decide(votes.get(verdict.accepted()).responseHash(), CallReport.Decision.VERIFIER, List.of());
          }
          case CONFLICT -> {
            return escalate();
          }
          case INSUFFICIENT -> {
            needed = votes.size() + 1; // the verifier wants more than it said up front: ask one more
            continue;
          }
        }
      }
      if (inFlight.isEmpty() || next(true) == Progress.DEADLINE) {
        throw notEnough(needed);
      }
    }
  }

  /**
   * Adaptive mode, for a call the spot-check did not pick: the signed answer of one proven server, taken as is. Empty
   * when no proven server is a candidate, or the one asked failed or was slow: then the call is verified in full,
   * and a late answer of the server asked here still counts as a vote.
   */
  private Optional<CallReport> askOneProvenServer() {
    List<ServerRecord> proven = new ArrayList<>(remaining.stream()
        .filter(s -> ctx.scores().score(s.key()).score() >= PROVEN_SCORE).toList());
    if (proven.isEmpty()) {
      return Optional.empty();
    }
    ServerRecord server = ctx.selector().pick(proven, ctx.scores()::weight);
    remaining.remove(server);
    launch(server);
    // A service error is never taken unchecked: ServiceErrorException always carries a verified error.
    if (next(true) == Progress.ANSWER && votes.size() == 1 && !votes.get(0).response().has("error")) {
      return Optional.of(decide(votes.get(0).responseHash(), CallReport.Decision.UNCHECKED, List.of()));
    }
    return Optional.empty();
  }

  private String label() {
    return service.name() + " (" + serviceId + ")";
  }

  private boolean canLaunch() {
    return asked < max && !remaining.isEmpty() && clock.nanoTime() < deadline;
  }

  private void launch() {
    launch(ctx.selector().pick(remaining, ctx.scores()::weight));
  }

  private void launch(ServerRecord server) {
    asked++;
    long ticket = ++tickets;
    inFlight.put(ticket, clock.nanoTime());
    askedBy.put(ticket, server);
    ctx.exchange().ask(server.url(), server.key(), serviceId, call, ctx.nextId(), timeLeft(requestTimeout))
        .thenAccept(a -> {
          score(a);
          arrivals.put(new Arrival(ticket, a));
        });
  }

  private record Arrival(long ticket, Answer answer) {}

  /** Requests in flight that are not hedged: the ones still expected to answer in good time. */
  private int active() {
    return inFlight.size() - hedged.size();
  }

  /** The shorter of {@code d} and the time left until the call's deadline (at least 1 ms). */
  private Duration timeLeft(Duration d) {
    long left = deadline - clock.nanoTime();
    return Duration.ofNanos(Math.max(1_000_000, Math.min(left, d.toNanos())));
  }

  private void score(Answer a) {
    if (a.server() == null) {
      return;
    }
    Scores scores = ctx.scores();
    switch (a) {
      case Answer.Vote v -> {
        scores.latency(v.server(), v.latency());
        scores.record(v.server(), v.latency().compareTo(ctx.settings().slowThreshold()) > 0 ? ScoreEvent.SLOW
            : ScoreEvent.SUCCESS);
      }
      case Answer.Failure f -> scores.record(f.server(), f.event());
    }
  }

  /** What waiting for the next answer brought. */
  private enum Progress {
    /** An answer arrived and was filed. */
    ANSWER,
    /** A request became slow enough to hedge: the caller may send a replacement without dropping it. */
    HEDGE,
    /** The call's deadline passed. */
    DEADLINE
  }

  /**
   * Waits for the next answer and files it. With {@code hedge}, a request slower than the hedge delay is marked
   * hedged instead of waited for, so the caller asks another server in parallel (its answer still counts if it
   * comes): one slow server then costs the call the hedge delay, not the whole request timeout.
   */
  private Progress next(boolean hedge) {
    long now = clock.nanoTime();
    long until = deadline;
    Duration hedgeAfter = ctx.settings().hedgeAfter();
    if (hedge && hedgeAfter != null) {
      for (Map.Entry<Long, Long> e : inFlight.entrySet()) {
        if (!hedged.contains(e.getKey())) {
          until = Math.min(until, e.getValue() + hedgeAfter.toNanos());
        }
      }
    }
    Arrival a;
    try {
      a = arrivals.poll(until - now);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TandemException("interrupted while calling " + label(), e);
    }
    if (a != null) {
      inFlight.remove(a.ticket());
      hedged.remove(a.ticket());
      file(a.answer(), false);
      return Progress.ANSWER;
    }
    now = clock.nanoTime();
    if (now >= deadline) {
      return Progress.DEADLINE;
    }
    for (Map.Entry<Long, Long> e : inFlight.entrySet()) {
      if (hedgeAfter != null && now - e.getValue() >= hedgeAfter.toNanos()) {
        hedged.add(e.getKey());
      }
    }
    return Progress.HEDGE;
  }

  private void file(Answer a, boolean home) {
    switch (a) {
      case Answer.Vote v -> {
        if (!home) {
          votes.add(v);
        }
        JsonNode err = v.response().get("error");
        answers.add(new ServerAnswer(v.server(), v.url(), home, ServerAnswer.Kind.VOTE, v.responseHash(),
            err == null ? "result" : "error " + err.path("code").asLong(), v.latency()));
      }
      case Answer.Failure f -> {
        answers.add(new ServerAnswer(f.server(), f.url(), home, switch (f.event()) {
          case ERROR -> ServerAnswer.Kind.ERROR;
          case UNREACHABLE -> ServerAnswer.Kind.UNREACHABLE;
          default -> ServerAnswer.Kind.INVALID;
        }, null, f.reason(), f.latency()));
        failures.add((home ? "home " : "") + f.url() + ": " + f.reason());
      }
    }
  }

  private Verdict verify() {
    List<Verifier.Response> responses = votes.stream()
        .map(v -> new Verifier.Response(v.server().toString(), v.response())).toList();
    try {
      return verifier.verify(Verifier.input(call, responses));
    } catch (VerifierFailedException e) {
      throw new UnverifiableException("verifier " + verifier.id() + " failed on the answers for " + label(),
          List.of(e.getMessage()), report(null));
    }
  }

  private TandemException notEnough(int needed) {
    String why = votes.size() + " valid answer" + (votes.size() == 1 ? "" : "s") + " of " + needed + " needed from "
        + asked + " server" + (asked == 1 ? "" : "s") + " asked"
        + (clock.nanoTime() >= deadline ? " before the deadline of " + ctx.settings().callTimeout().toMillis()
        + " ms" : remaining.isEmpty() ? ", no other server offers it" : ", max-requests " + max + " reached");
    List<String> reasons = new ArrayList<>(failures);
    if (distinctHashes().size() > 1) {
      // Undecided, but two servers signed different answers to one request: nodes can settle it by re-running it.
      Evidence evidence = evidence(List.of());
      CompletableFuture<List<EvidenceDelivery>> sent = send(evidence, List.of());
      return new UnverifiableException("cannot verify the answer of " + label() + ": " + why, reasons,
          report(new Decision(CallReport.Decision.NONE, null, null, List.of(), evidence, sent)));
    }
    return new NoServersException("not enough servers answered for " + label() + ": " + why
        + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")"), report(null));
  }

  private Set<String> distinctHashes() {
    return votes.stream().map(Answer.Vote::responseHash).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** The votes conflict: let the home server settle it, or more servers and the verifier. */
  private CallReport escalate() {
    List<String> reasons = new ArrayList<>();
    reasons.add("the " + votes.size() + " answers conflict: " + groups());
    Optional<Answer.Vote> homeVote = Optional.empty();
    if (service.home() != null) {
      homeVote = askHome(reasons);
      if (homeVote.isPresent()) {
        // The owner named the home server to settle conflicts: its signed answer decides, even when it matches
        // no side (two liars that each lied their own way are both convicted).
        return decide(homeVote.get().responseHash(), CallReport.Decision.HOME, homeVote.stream().toList());
      }
    } else {
      reasons.add("the service has no home server");
    }
    if (verifier.conflictIsFinal()) {
      reasons.add("verifier " + verifier.id() + " never accepts once answers differ: asking more servers cannot "
          + "settle it");
    } else {
      while (canLaunch()) {
        launch();
      }
      while (!inFlight.isEmpty() && next(false) != Progress.DEADLINE) {
        // collect every answer that arrives before the deadline
      }
      verdict = verify();
      if (verdict.kind() == Verdict.Kind.ACCEPT) {
        return decide(votes.get(verdict.accepted()).responseHash(), CallReport.Decision.ESCALATION,
            homeVote.stream().toList());
      }
      reasons.add("after " + votes.size() + " answers from " + asked + " servers the verifier says "
          + verdict.kind().id() + ": " + groups());
    }
    // Undecided, but two servers signed different answers to one request: nodes can settle it by re-running it.
    Evidence evidence = evidence(homeVote.stream().toList());
    CompletableFuture<List<EvidenceDelivery>> sent = send(evidence, List.of());
    throw new UnverifiableException("cannot verify the answer of " + label(), reasons,
        report(new Decision(CallReport.Decision.NONE, null, null, List.of(), evidence, sent)));
  }

  private String groups() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    votes.forEach(v -> counts.merge(v.responseHash().substring(0, 12), 1, Integer::sum));
    return counts.entrySet().stream().map(e -> e.getValue() + "× " + e.getKey()).collect(Collectors.joining(", "));
  }

  /** The home server's vote: from the votes when it was among the servers asked, else asked now. */
  private Optional<Answer.Vote> askHome(List<String> reasons) {
    URI home = NodeUrls.base(service.home());
    for (Answer.Vote v : votes) {
      if (NodeUrls.base(v.url()).equals(home)) {
        return Optional.of(v);
      }
    }
    PublicKey expected = ctx.directory().serverAt(home).map(ServerRecord::key).orElse(null);
    Duration timeout = timeLeft(requestTimeout);
    CallClock.Inbox<Answer> reply = clock.inbox();
    Answer a;
    try {
      ctx.exchange().ask(home, expected, serviceId, call, ctx.nextId(), timeout).thenAccept(reply::put);
      // The request's own timeout ends it; the margin only guards against a transport that never completes.
      a = reply.poll(timeout.toNanos() + HOME_MARGIN.toNanos());
      if (a == null) {
        a = new Answer.Failure(expected, home, ScoreEvent.UNREACHABLE, "no answer within " + timeout.toMillis()
            + " ms", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TandemException("interrupted while calling " + label(), e);
    } catch (RuntimeException e) {
      a = new Answer.Failure(expected, home, ScoreEvent.UNREACHABLE, String.valueOf(e.getMessage()), Duration.ZERO);
    }
    score(a);
    file(a, true);
    if (a instanceof Answer.Vote v) {
      return Optional.of(v);
    }
    reasons.add("home server " + home + ": " + ((Answer.Failure) a).reason());
    return Optional.empty();
  }

  /** What was decided, for the report. */
  private record Decision(CallReport.Decision how, String responseHash, JsonNode response,
      List<PublicKey> convicted, Evidence evidence, CompletableFuture<List<EvidenceDelivery>> sent) {}

  /** Accepts {@code hash}: convicts every voter that signed something else, sends evidence, returns or throws. */
  private CallReport decide(String hash, CallReport.Decision how, List<Answer.Vote> extra) {
    List<PublicKey> convicted = new ArrayList<>();
    for (Answer.Vote v : votes) {
      if (!v.responseHash().equals(hash) && !convicted.contains(v.server())) {
        ctx.scores().convict(v.server());
        convicted.add(v.server());
        LOG.info("convicted {} of a wrong answer for {} ({} instead of {})", v.server(), label(),
            v.responseHash().substring(0, 12), hash.substring(0, 12));
      }
    }
    JsonNode response = votes.stream().filter(v -> v.responseHash().equals(hash)).findFirst()
        .map(Answer.Vote::response).orElseGet(() -> extra.stream().filter(v -> v.responseHash().equals(hash))
            .findFirst().orElseThrow().response());
    Evidence evidence = convicted.isEmpty() ? null : evidence(extra);
    CompletableFuture<List<EvidenceDelivery>> sent = send(evidence, convicted);
    CallReport report = report(new Decision(how, hash, response, convicted, evidence, sent));
    if (response.has("error")) {
      throw new ServiceErrorException(response.get("error"), report);
    }
    return report;
  }

  /** Evidence of every vote (and the home server's), when they hold two different signed answers. */
  private Evidence evidence(List<Answer.Vote> extra) {
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    Set<PublicKey> seen = new LinkedHashSet<>();
    for (Answer.Vote v : votes) {
      if (seen.add(v.server())) {
        signed.put(v.attestation(), v.response());
      }
    }
    for (Answer.Vote v : extra) {
      if (seen.add(v.server())) {
        signed.put(v.attestation(), v.response());
      }
    }
    try {
      return Evidence.of(serviceId, call, signed).check();
    } catch (IllegalArgumentException e) {
      LOG.warn("evidence for {} not sent: {}", label(), e.getMessage());
      return null;
    }
  }

  private CompletableFuture<List<EvidenceDelivery>> send(Evidence evidence, List<PublicKey> convicted) {
    if (evidence == null) {
      return CompletableFuture.completedFuture(List.of());
    }
    Set<URI> skip = new LinkedHashSet<>();
    for (PublicKey key : convicted) {
      ctx.directory().server(key).ifPresent(s -> skip.add(NodeUrls.base(s.url())));
    }
    List<URI> nodes = new ArrayList<>(ctx.directory().knownNodes());
    nodes.removeAll(skip); // a liar is told nothing: it would only learn what gave it away
    return ctx.evidence().send(evidence, nodes);
  }

  private CallReport report(Decision d) {
    Decision decision = d == null ? new Decision(CallReport.Decision.NONE, null, null, List.of(), null,
        CompletableFuture.completedFuture(List.of())) : d;
    List<ServerAnswer> all = new ArrayList<>(answers);
    long now = clock.nanoTime();
    inFlight.forEach((ticket, since) -> {
      ServerRecord s = askedBy.get(ticket);
      all.add(new ServerAnswer(s.key(), s.url(), false, ServerAnswer.Kind.PENDING, null,
          hedged.contains(ticket) ? "no answer yet (hedged)" : "no answer yet", Duration.ofNanos(now - since)));
    });
    return new CallReport(serviceId, call.method(), call.requestHash(), verifier.id(), min, all, verdict,
        decision.how(), decision.responseHash(), decision.response(), decision.convicted(),
        Optional.ofNullable(decision.evidence()), decision.sent(), Duration.ofNanos(clock.nanoTime() - start));
  }
}
