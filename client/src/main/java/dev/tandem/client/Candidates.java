package dev.tandem.client;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The peer choice of one {@link CallRun}: the servers it may still ask (those offering the service that pass the
 * server filter and are not blacklisted here), and how it draws the next one: at random by weight, among operators
 * it has not asked yet first, since agreement counts only between distinct operators. Each server drawn is taken out.
 * Also knows the operator of every server the call asked.
 */
final class Candidates {
  private final CallContext ctx;
  private final List<ServerRecord> remaining;
  /**
   * Servers that offer the service and pass the server filter but were left out as blacklisted here: a call that
   * runs short of servers says so, since they do offer it.
   */
  final int blacklisted;
  /** The operator of every server asked, by key. */
  private final Map<PublicKey, String> operators = new HashMap<>();

  /** The candidates for {@code serviceId}; when fewer than {@code min} offer it, the records are pulled again first. */
  Candidates(CallContext ctx, String serviceId, int min) {
    this.ctx = ctx;
    List<ServerRecord> offering = ctx.directory().offering(serviceId);
    if (offering.size() < min) {
      ctx.directory().refreshSoon(); // records of servers that just started offering it may be on their way
      offering = ctx.directory().offering(serviceId);
    }
    List<ServerRecord> allowed = offering.stream().filter(ctx.settings().serverFilter()).toList();
    this.remaining = new ArrayList<>(allowed.stream().filter(s -> !ctx.scores().blacklisted(s.key())).toList());
    this.blacklisted = allowed.size() - remaining.size();
  }

  boolean isEmpty() {
    return remaining.isEmpty();
  }

  /** Whether a server not asked yet is established (off probation) here. */
  boolean anyEstablished() {
    return remaining.stream().anyMatch(s -> ctx.scores().established(s.key()));
  }

  /** Notes that {@code server} is asked: its operator is known from now on. */
  void asked(ServerRecord server) {
    operators.put(server.key(), ctx.directory().operator(server));
  }

  /** The operator of the server that signed {@code v}. */
  String operator(Answer.Vote v) {
    return operators.computeIfAbsent(v.server(), k -> ctx.directory().server(k).map(ctx.directory()::operator)
        .orElse(Operators.host(v.url())));
  }

  /**
   * The first {@code n} servers a call would ask (fewer when fewer are candidates), drawn as {@link #draw(Collection)}
   * draws them.
   */
  List<ServerRecord> draw(int n) {
    List<ServerRecord> drawn = new ArrayList<>();
    while (drawn.size() < n && !remaining.isEmpty()) {
      drawn.add(draw(drawn));
    }
    return drawn;
  }

  /**
   * One of the candidates, taken out of them: drawn by weight among operators other than those of {@code taken}, or
   * among all when every candidate shares an operator with them.
   */
  ServerRecord draw(Collection<ServerRecord> taken) {
    if (taken.isEmpty()) { // every candidate is of a new operator: no need to work out whose each one is
      return ctx.selector().pick(remaining, ctx.scores()::weight);
    }
    Set<String> have = new HashSet<>();
    taken.forEach(s -> have.add(ctx.directory().operator(s)));
    List<ServerRecord> fresh = remaining.stream().filter(s -> !have.contains(ctx.directory().operator(s))).toList();
    if (fresh.isEmpty()) {
      return ctx.selector().pick(remaining, ctx.scores()::weight);
    }
    return takeOne(fresh);
  }

  /**
   * A server that can add what {@code trust} lacks, taken out of the candidates: of an operator not in {@code have},
   * established if none of the signers is (any new operator when too few operators sign and no established one is
   * left). Empty when no candidate can.
   */
  Optional<ServerRecord> confirmer(Trust trust, Set<String> have) {
    List<ServerRecord> others = remaining.stream().filter(s -> !have.contains(ctx.directory().operator(s)))
        .toList();
    List<ServerRecord> pool = trust.established() ? others
        : others.stream().filter(s -> ctx.scores().established(s.key())).toList();
    if (pool.isEmpty() && trust.operators() < trust.min()) {
      pool = others; // any new operator still adds a confirmation; the referee may add the established one
    }
    return pool.isEmpty() ? Optional.empty() : Optional.of(takeOne(pool));
  }

  /**
   * A proven server for adaptive mode, taken out of the candidates: one established here with a score of at least
   * {@code provenScore}. Empty when there is none.
   */
  Optional<ServerRecord> proven(int provenScore) {
    List<ServerRecord> proven = remaining.stream()
        .filter(s -> ctx.scores().score(s.key()).score() >= provenScore && ctx.scores().established(s.key()))
        .toList();
    return proven.isEmpty() ? Optional.empty() : Optional.of(takeOne(proven));
  }

  /** Draws one of {@code pool} (a subset of the candidates) by weight and takes it out of the candidates. */
  private ServerRecord takeOne(List<ServerRecord> pool) {
    ServerRecord server = ctx.selector().pick(new ArrayList<>(pool), ctx.scores()::weight);
    take(server);
    return server;
  }

  /**
   * Takes {@code server}, drawn from a copy, out of the candidates: by identity, since comparing records means
   * comparing their signed contents, which would cost a JSON tree per candidate passed.
   */
  private void take(ServerRecord server) {
    for (int i = 0; i < remaining.size(); i++) {
      if (remaining.get(i) == server) {
        remaining.remove(i);
        return;
      }
    }
  }
}
