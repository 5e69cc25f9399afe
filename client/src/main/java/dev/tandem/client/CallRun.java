package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.client.verify.Verifier;
import dev.tandem.client.verify.VerifierFailedException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.core.wire.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * One call of a service (docs/protocol.md, "A verified call"): ask {@code minRequests} servers of distinct operators
 * in parallel (drawn by {@link Candidates}), replace each one whose answer is not a valid vote, let the verifier
 * judge, and accept only an answer that servers of {@code minRequests} distinct operators signed, one of them
 * established (off probation) whenever trust can be had ({@link Trust}). Anything less, and
 * every conflict, goes to {@link Dispute}: the client's own re-run (referee), the home server, or more servers. In
 * adaptive mode ({@link TandemClient.Builder#spotCheck}) {@link AdaptiveCall} tries its shortcuts first.
 * Single use.
 *
 * <p>Runs on the caller's thread; the requests themselves are asynchronous and report back through an inbox. Time
 * and waiting come from the client's {@link CallClock}, so a simulation can run this same logic on virtual time.
 */
final class CallRun {
  final CallContext ctx;
  final ServiceRecord service;
  final String serviceId;
  final Verifier verifier;
  final ServiceCall call;
  final int min;
  private final int max;
  final CallClock clock;
  final long start;
  final long deadline;
  final Duration requestTimeout;

  private final CallClock.Inbox<Arrival> arrivals;
  /** Requests in flight: ticket → when sent. */
  final Map<Long, Long> inFlight = new HashMap<>();
  final Map<Long, ServerRecord> askedBy = new HashMap<>();
  /** Tickets of requests in flight that were hedged: a replacement was sent because they were slow. */
  final Set<Long> hedged = new HashSet<>();
  /** The answer of each request in flight, by ticket: cancelled when the call ends without it. */
  private final Map<Long, CompletableFuture<Answer>> pending = new HashMap<>();
  private long tickets;
  final Candidates candidates;
  final List<Answer.Vote> votes = new ArrayList<>();
  final List<ServerAnswer> answers = new ArrayList<>();
  final List<String> failures = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  int asked;
  Verdict verdict;
  boolean reran;

  CallRun(CallContext ctx, ServiceRecord service, String serviceId, Verifier verifier, ServiceCall call,
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
    this.candidates = new Candidates(ctx, serviceId, min);
  }

  /**
   * Runs the call. Requests still in flight when it ends are cancelled: their answers, when they come, are not
   * checked (no hash, no signature check), and each such server's time so far counts as its latency, a lower bound.
   * The connection is kept: the server's answer is read and dropped, so the next call needs no new handshake. Hedged
   * requests (slower than the hedge delay) are left to finish: how a slow server answers in the end is scored.
   */
  CallReport run() {
    try {
      return decide();
    } finally {
      cancelRest();
    }
  }

  private void cancelRest() {
    long now = clock.nanoTime();
    pending.forEach((ticket, answer) -> {
      if (!hedged.contains(ticket) && answer.cancel(false)) {
        ctx.scores().latency(askedBy.get(ticket).key(), Duration.ofNanos(now - inFlight.get(ticket)));
      }
    });
    pending.clear();
  }

  private CallReport decide() {
    if (candidates.isEmpty()) {
      long offering = ctx.directory().offering(serviceId).size();
      throw new NoServersException(offering == 0 ? "no server offers service " + label()
          : "no usable server for service " + label() + ": " + offering + " offer it, all are blacklisted or "
          + "filtered out", new Dispute(this).report(null));
    }
    if (ctx.settings().spotCheck() < 1) {
      AdaptiveCall adaptive = new AdaptiveCall(this);
      Optional<CallReport> decided = ctx.selector().chance(ctx.settings().spotCheck()) ? adaptive.spotCheck()
          : adaptive.askOneProvenServer();
      if (decided.isPresent()) {
        return decided.get();
      }
    }
    int needed = min;
    // Hedging: ask this many more servers than needed at once and take the first answers that agree.
    int spare = ctx.settings().extraRequests();
    while (true) {
      while (votes.size() + active() < needed + spare && canLaunch()) {
        launch();
      }
      if (votes.size() >= needed) {
        spare = 0; // once the verifier has judged, a call asks only for what it lacks
        verdict = verify();
        switch (verdict.kind()) {
          case ACCEPT -> {
            String hash = votes.get(verdict.accepted()).responseHash();
            if (distinctHashes().size() > 1) {
              return new Dispute(this).settle(hash); // a dissent is settled by a re-run, never by the vote
            }
            Trust trust = trust(hash);
            if (trust.enough()) {
              return new Dispute(this).accept(hash, CallReport.Decision.VERIFIER, trust.confirmsOthers());
            }
            if (launchConfirmer(trust)) {
              needed = votes.size() + 1;
              continue;
            }
            return new Dispute(this).standIn(hash, trust); // too few trustworthy servers: the referee stands in
          }
          case CONFLICT -> {
            return new Dispute(this).settle(null);
          }
          case INSUFFICIENT -> {
            needed = votes.size() + 1; // the verifier wants more than it said up front: ask one more
            continue;
          }
        }
      }
      if (inFlight.isEmpty() || next(true) == Progress.DEADLINE) {
        return new Dispute(this).notEnough(needed);
      }
    }
  }

  /** How far the signers of {@code hash} can be trusted (see {@link Trust}). */
  Trust trust(String hash) {
    Set<String> ops = new LinkedHashSet<>();
    boolean established = false;
    for (Answer.Vote v : votes) {
      if (v.responseHash().equals(hash)) {
        ops.add(operator(v));
        established |= ctx.scores().established(v.server());
      }
    }
    boolean available = ctx.settings().referee() == RefereeMode.LOCAL || service.home() != null
        || candidates.anyEstablished()
        || votes.stream().anyMatch(v -> ctx.scores().established(v.server()));
    return new Trust(ops.size(), established, available, min);
  }

  String operator(Answer.Vote v) {
    return candidates.operator(v);
  }

  /**
   * Asks one more server that can add what {@code trust} lacks: another operator, established if none of the signers
   * is. False when no remaining candidate can.
   */
  private boolean launchConfirmer(Trust trust) {
    if (!canLaunch()) {
      return false;
    }
    Set<String> have = votes.stream().map(this::operator).collect(Collectors.toSet());
    askedBy.values().forEach(s -> have.add(ctx.directory().operator(s)));
    Optional<ServerRecord> server = candidates.confirmer(trust, have);
    server.ifPresent(this::launch);
    return server.isPresent();
  }

  String label() {
    return service.name() + " (" + serviceId + ")";
  }

  boolean canLaunch() {
    return asked < max && !candidates.isEmpty() && clock.nanoTime() < deadline;
  }

  /** Asks one more server, drawn by weight, preferring operators not asked yet (their agreement counts). */
  void launch() {
    launch(candidates.draw(askedBy.values()));
  }

  /**
   * The first {@code n} servers this call would ask (fewer when fewer are candidates), drawn as {@link #launch}
   * draws them, without asking them.
   */
  List<ServerRecord> draw(int n) {
    return candidates.draw(n);
  }

  /** Servers that offer the service but are blacklisted here (see {@link Candidates#blacklisted}). */
  int blacklisted() {
    return candidates.blacklisted;
  }

  void launch(ServerRecord server) {
    asked++;
    long ticket = ++tickets;
    inFlight.put(ticket, clock.nanoTime());
    askedBy.put(ticket, server);
    candidates.asked(server);
    CompletableFuture<Answer> answer = ctx.exchange().ask(server.url(), server.key(), serviceId, call, ctx.nextId(),
        timeLeft(requestTimeout), service.limits().maxAnswerBytes());
    pending.put(ticket, answer);
    answer.thenAccept(a -> {
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
  Duration timeLeft(Duration d) {
    long left = deadline - clock.nanoTime();
    return Duration.ofNanos(Math.max(1_000_000, Math.min(left, d.toNanos())));
  }

  void score(Answer a) {
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
  enum Progress {
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
  Progress next(boolean hedge) {
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
      pending.remove(a.ticket());
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

  void file(Answer a, boolean home) {
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

  Verdict verify() {
    Optional<Verdict> byHash = verifier.verifyHashes(votes.stream().map(Answer.Vote::responseHash).toList());
    if (byHash.isPresent()) {
      return byHash.get();
    }
    List<Verifier.Response> responses = votes.stream()
        .map(v -> new Verifier.Response(v.server().toString(), v.response())).toList();
    try {
      return verifier.verify(Verifier.input(call, responses));
    } catch (VerifierFailedException e) {
      throw new UnverifiableException("verifier " + verifier.id() + " failed on the answers for " + label(),
          List.of(e.getMessage()), new Dispute(this).report(null));
    }
  }

  Set<String> distinctHashes() {
    return votes.stream().map(Answer.Vote::responseHash).collect(Collectors.toCollection(LinkedHashSet::new));
  }
}
