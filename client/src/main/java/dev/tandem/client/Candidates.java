package dev.tandem.client;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * The peer choice of one {@link CallRun}: the servers it may still ask (those offering the service that pass the
 * server filter and are not blacklisted here), and how it draws the next one: at random by weight, among operators
 * it has not asked yet first, since agreement counts only between distinct operators. Each server drawn is taken out.
 * Also knows the operator of every server the call asked.
 *
 * <p>Each candidate's weight is read from the scores once, when the call starts, and its operator when first needed:
 * every draw weighs all the candidates left and the second and third look at their operators, so re-reading them per
 * draw was most of a choice's time (two hundred candidates, three draws). The servers whose scores a call changes are
 * the ones it asked, which are no longer candidates by then.
 */
final class Candidates {
  private final CallContext ctx;
  /** The candidates, in the stable order the directory gives (by key); taken ones are marked in {@link #out}. */
  private final ServerRecord[] servers;
  private final double[] weights;
  /** Each candidate's operator, worked out when first needed. */
  private final String[] operators;
  private final boolean[] out;
  private int left;
  /**
   * Servers that offer the service and pass the server filter but were left out as blacklisted here: a call that
   * runs short of servers says so, since they do offer it.
   */
  final int blacklisted;
  /** The operator of every server asked, by key. */
  private final Map<PublicKey, String> askedOperators = new HashMap<>();

  /** The candidates for {@code serviceId}; when fewer than {@code min} offer it, the records are pulled again first. */
  Candidates(CallContext ctx, String serviceId, int min) {
    this.ctx = ctx;
    List<ServerRecord> offering = ctx.directory().offering(serviceId);
    if (offering.size() < min) {
      ctx.directory().refreshSoon(serviceId); // records of servers that just started offering it may be on their way
      offering = ctx.directory().offering(serviceId);
    }
    Predicate<ServerRecord> filter = ctx.settings().serverFilter();
    ServerRecord[] kept = new ServerRecord[offering.size()];
    double[] w = new double[offering.size()];
    int allowed = 0;
    int n = 0;
    for (ServerRecord s : offering) {
      if (!filter.test(s)) {
        continue;
      }
      allowed++;
      double weight = ctx.scores().weight(s.key());
      // A blacklisted server weighs 0 (Scores.weight): only then is the blacklist asked.
      if (weight <= 0 && ctx.scores().blacklisted(s.key())) {
        continue;
      }
      kept[n] = s;
      w[n++] = weight;
    }
    this.servers = Arrays.copyOf(kept, n);
    this.weights = Arrays.copyOf(w, n);
    this.operators = new String[n];
    this.out = new boolean[n];
    this.left = n;
    this.blacklisted = allowed - n;
  }

  boolean isEmpty() {
    return left == 0;
  }

  /** Whether a server not asked yet is established (off probation) here. */
  boolean anyEstablished() {
    for (int i = 0; i < servers.length; i++) {
      if (!out[i] && ctx.scores().established(servers[i].key())) {
        return true;
      }
    }
    return false;
  }

  /** Notes that {@code server} is asked: its operator is known from now on. */
  void asked(ServerRecord server) {
    askedOperators.put(server.key(), ctx.directory().operator(server));
  }

  /** The operator of the server that signed {@code v}. */
  String operator(Answer.Vote v) {
    return askedOperators.computeIfAbsent(v.server(), k -> ctx.directory().server(k).map(ctx.directory()::operator)
        .orElse(Operators.host(v.url())));
  }

  /**
   * The first {@code n} servers a call would ask (fewer when fewer are candidates), drawn as {@link #draw(Collection)}
   * draws them.
   */
  List<ServerRecord> draw(int n) {
    List<ServerRecord> drawn = new ArrayList<>();
    while (drawn.size() < n && left > 0) {
      drawn.add(draw(drawn));
    }
    return drawn;
  }

  /**
   * One of the candidates, taken out of them: drawn by weight among operators other than those of {@code taken}, or
   * among all when every candidate shares an operator with them.
   */
  ServerRecord draw(Collection<ServerRecord> taken) {
    if (left == 0) {
      throw new IllegalStateException("no candidate left");
    }
    int chosen = -1;
    if (!taken.isEmpty()) { // with none taken, every candidate is of a new operator: no need to work out whose
      Set<String> have = new HashSet<>();
      taken.forEach(s -> have.add(ctx.directory().operator(s)));
      chosen = pick(i -> !have.contains(operatorAt(i)));
    }
    return takeAt(chosen >= 0 ? chosen : pick(i -> true));
  }

  /**
   * A server that can add what {@code trust} lacks, taken out of the candidates: of an operator not in {@code have},
   * established if none of the signers is (any new operator when too few operators sign and no established one is
   * left). Empty when no candidate can.
   */
  Optional<ServerRecord> confirmer(Trust trust, Set<String> have) {
    IntPredicate other = i -> !have.contains(operatorAt(i));
    int chosen = trust.established() ? pick(other)
        : pick(i -> other.test(i) && ctx.scores().established(servers[i].key()));
    if (chosen < 0 && trust.operators() < trust.min()) {
      chosen = pick(other); // any new operator still adds a confirmation; the referee may add the established one
    }
    return chosen < 0 ? Optional.empty() : Optional.of(takeAt(chosen));
  }

  /**
   * A proven server for adaptive mode, taken out of the candidates: one established here with a score of at least
   * {@code provenScore}. Empty when there is none.
   */
  Optional<ServerRecord> proven(int provenScore) {
    int chosen = pick(i -> ctx.scores().score(servers[i].key()).score() >= provenScore
        && ctx.scores().established(servers[i].key()));
    return chosen < 0 ? Optional.empty() : Optional.of(takeAt(chosen));
  }

  private String operatorAt(int i) {
    String operator = operators[i];
    if (operator == null) {
      operators[i] = operator = ctx.directory().operator(servers[i]);
    }
    return operator;
  }

  /** Draws, by weight, one of the candidates left that {@code eligible} accepts; -1 when none does. */
  private int pick(IntPredicate eligible) {
    int[] at = new int[left];
    double[] w = new double[left];
    int n = 0;
    for (int i = 0; i < servers.length; i++) {
      if (!out[i] && eligible.test(i)) {
        at[n] = i;
        w[n++] = weights[i];
      }
    }
    return n == 0 ? -1 : at[ctx.selector().pickIndex(w, n)];
  }

  private ServerRecord takeAt(int i) {
    out[i] = true;
    left--;
    return servers[i];
  }
}
