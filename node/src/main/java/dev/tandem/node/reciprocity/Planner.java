package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.reciprocity.Plan.Blocked;
import dev.tandem.node.reciprocity.Plan.Change;
import dev.tandem.node.reciprocity.Plan.Reason;
import dev.tandem.node.reciprocity.Plan.Shortfall;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides which services a node adds to pay what it owes its peers, and which it withdraws. A pure function of a
 * {@link PlanInput}: no clock, no I/O, and the same input always gives the same {@link Plan}.
 *
 * <p>One round:
 * <ol>
 *   <li><b>Keep</b> every service held for a peer from earlier rounds, unless the peer is gone, no longer rewards it,
 *       is in {@linkplain PlanInput#defaulted() default}, or the module cannot run. Services that now count toward a
 *       balance are kept even when nothing is owed any more: dropping them would create the debt again next round.
 *   <li><b>Fit</b>: if the operator's own choice grew, held services are withdrawn (least preferred first) until the
 *       rest fits the capacity again. The operator's services are never withdrawn.
 *   <li><b>Pay</b>: peers are served most-owed first (ties by key); for each, services from its rewards that the node
 *       does not offer yet are added, preferring already-fetched modules, then the cheapest (the heap loading the
 *       module may take, memory pages, fuel), then the service id, skipping any that cannot run, have no known record
 *       or do not fit. Each addition counts at once toward every peer that rewards it, so one service can pay several
 *       debts.
 * </ol>
 *
 * <p><b>Fixpoint.</b> Fed its own {@link Plan#held()} back with the same records, the planner returns the same plan
 * with nothing added or withdrawn: everything held passes step 1, fits in step 2 (it fitted when added), and step 3
 * finds every debt either paid or blocked for the same reasons (capacity only shrinks while paying).
 *
 * <p><b>Convergence of a network.</b> While nobody's configuration changes and no peer is in default, the planner
 * never withdraws anything: each node's offers only grow, so every {@code give} only grows, so nobody falls into
 * arrears ({@link #arrears}: a peer's give fell below what it was when services were added for it). Offers are bounded
 * by capacity, so when every node plans against the others' previous round, each round before the fixpoint adds at
 * least one service somewhere, and the network is at a fixpoint after at most {@code 1 + Σ min(maxServices, services)}
 * rounds (in practice a handful).
 */
public final class Planner {
  static final long PAGE_BYTES = 64 * 1024;
  static final long MIB = 1024 * 1024;

  private Planner() {}

  /**
   * A peer that gives this node less than it gets back and less than it gave when services were added for it.
   *
   * @param peer the peer
   * @param theyGive how many of the services this node rewards it runs now
   * @param iGive how many of the services it rewards this node runs (with what this node intends to offer)
   * @param promised the highest {@link Held#level()} of the services held for it: what it gave when they were added
   * @param runningFor the services held for it, sorted
   */
  public record Arrears(PublicKey peer, int theyGive, int iGive, int promised, List<String> runningFor) {
    public Arrears {
      runningFor = List.copyOf(runningFor);
    }
  }

  /**
   * The peers in arrears: this node runs services for them, they owe this node (it gives them more than they give
   * it), and they give less than they did when those services were added. Requiring the fall means a network of
   * honest planners never sees arrears; requiring the debt means a fall that is matched on this side (the operator
   * withdrew something too) is not held against the peer.
   */
  public static List<Arrears> arrears(PlanInput in) {
    Map<PublicKey, ServerRecord> peers = peers(in);
    Set<String> offers = new TreeSet<>();
    in.operatorOffers().stream().filter(s -> !in.unrunnable().containsKey(s)).forEach(offers::add);
    in.held().keySet().stream().filter(s -> !in.unrunnable().containsKey(s)).forEach(offers::add);
    Map<PublicKey, List<String>> heldFor = new TreeMap<>();
    Map<PublicKey, Integer> promised = new HashMap<>();
    new TreeMap<>(in.held()).forEach((s, h) -> {
      if (!in.operatorOffers().contains(s)) {
        heldFor.computeIfAbsent(h.peer(), k -> new ArrayList<>()).add(s);
        promised.merge(h.peer(), h.level(), Math::max);
      }
    });
    List<Arrears> out = new ArrayList<>();
    heldFor.forEach((peer, services) -> {
      ServerRecord r = peers.get(peer);
      if (r == null) {
        return; // a peer that is gone loses its services at once (step 1), no grace needed
      }
      int theyGive = count(r.offers(), in.myRewards());
      int iGive = count(r.rewards(), offers);
      int promise = promised.get(peer);
      if (theyGive < iGive && theyGive < promise) {
        out.add(new Arrears(peer, theyGive, iGive, promise, services));
      }
    });
    return out;
  }

  /** Plans one round. */
  public static Plan plan(PlanInput in) {
    Map<PublicKey, ServerRecord> peers = peers(in);
    Comparator<String> preference = preference(in);
    Budget budget = new Budget(in.capacity());
    // What counts as given: the operator's runnable services and what is held. An operator's service that cannot run
    // stays asked for (so the node keeps reporting why) but gives nothing and takes no capacity.
    TreeSet<String> offers = new TreeSet<>();
    for (String s : new TreeSet<>(in.operatorOffers())) {
      if (!in.unrunnable().containsKey(s)) {
        offers.add(s);
        budget.take(memory(in, s));
      }
    }

    // 1. Keep what still pays.
    Map<String, Change> dropped = new TreeMap<>();
    List<String> keep = new ArrayList<>();
    for (var e : new TreeMap<>(in.held()).entrySet()) {
      if (in.operatorOffers().contains(e.getKey())) {
        continue; // the operator took it over: it stays offered, no longer on the planner's account
      }
      Change why = dropReason(in, peers, e.getKey(), e.getValue());
      if (why != null) {
        dropped.put(e.getKey(), why);
      } else {
        keep.add(e.getKey());
      }
    }

    // 2. Fit what is kept into the capacity, most preferred first.
    keep.sort(preference);
    TreeMap<String, Held> held = new TreeMap<>();
    for (String s : keep) {
      Held h = in.held().get(s);
      String full = budget.shortOf(memory(in, s));
      if (full != null) {
        dropped.put(s, new Change(s, h.peer(), Reason.NO_CAPACITY, full));
        continue;
      }
      budget.take(memory(in, s));
      offers.add(s);
      held.put(s, h);
    }

    // 3. Pay, most-owed peer first.
    Map<String, List<PublicKey>> rewardedBy = new HashMap<>();
    Map<PublicKey, Integer> theyGive = new HashMap<>();
    Map<PublicKey, Integer> iGive = new HashMap<>();
    for (ServerRecord r : peers.values()) {
      theyGive.put(r.key(), count(r.offers(), in.myRewards()));
      iGive.put(r.key(), count(r.rewards(), offers));
      r.rewards().forEach(s -> rewardedBy.computeIfAbsent(s, k -> new ArrayList<>()).add(r.key()));
    }
    List<PublicKey> order = new ArrayList<>(peers.keySet());
    order.sort(Comparator.comparingInt((PublicKey k) -> iGive.get(k) - theyGive.get(k))
        .thenComparing(Comparator.naturalOrder()));
    Map<String, String> addedWhy = new HashMap<>();
    List<Shortfall> cannotHonour = new ArrayList<>();
    for (PublicKey y : order) {
      int owed = theyGive.get(y) - iGive.get(y);
      if (owed <= 0) {
        continue;
      }
      ServerRecord peer = peers.get(y);
      List<String> candidates = new ArrayList<>(peer.rewards().stream().filter(s -> !offers.contains(s)).toList());
      candidates.sort(preference);
      int missing = owed;
      List<Blocked> blocked = new ArrayList<>();
      for (String c : candidates) {
        if (missing == 0) {
          break;
        }
        Blocked b = blocked(in, budget, c);
        if (b != null) {
          blocked.add(b);
          continue;
        }
        budget.take(memory(in, c));
        offers.add(c);
        held.put(c, new Held(y, theyGive.get(y), in.now()));
        addedWhy.put(c, "the peer runs " + theyGive.get(y) + " of the services this node rewards, this node ran "
            + iGive.get(y) + " of the services the peer rewards");
        for (PublicKey z : rewardedBy.getOrDefault(c, List.of())) {
          iGive.merge(z, 1, Integer::sum);
        }
        missing--;
      }
      if (missing > 0) {
        cannotHonour.add(new Shortfall(y, owed, missing, summary(peer, owed, missing, offers, blocked), blocked));
      }
    }

    // What changed, against what was held before.
    List<Change> added = new ArrayList<>();
    List<Change> reassigned = new ArrayList<>();
    List<Change> withdrawn = new ArrayList<>();
    held.forEach((s, h) -> {
      Held before = in.held().get(s);
      if (before == null) {
        added.add(new Change(s, h.peer(), Reason.OWED, addedWhy.get(s)));
      } else if (!before.peer().equals(h.peer())) {
        Change lost = dropped.get(s);
        reassigned.add(new Change(s, h.peer(), Reason.OWED, "was run for " + before.peer() + ", which lost it ("
            + lost.reason().text() + "); now " + addedWhy.get(s)));
      }
    });
    dropped.forEach((s, c) -> {
      if (!held.containsKey(s)) {
        withdrawn.add(c);
      }
    });
    TreeSet<String> target = new TreeSet<>(in.operatorOffers());
    target.addAll(held.keySet());
    return new Plan(target, held, added, withdrawn, reassigned, cannotHonour);
  }

  /** Why a held service must go, or null to keep it. */
  private static Change dropReason(PlanInput in, Map<PublicKey, ServerRecord> peers, String s, Held h) {
    if (!in.services().containsKey(s)) {
      return new Change(s, h.peer(), Reason.UNKNOWN_SERVICE, "no service record with this id is known");
    }
    if (in.unrunnable().containsKey(s)) {
      return new Change(s, h.peer(), Reason.CANNOT_RUN, in.unrunnable().get(s));
    }
    ServerRecord peer = peers.get(h.peer());
    if (peer == null) {
      return new Change(s, h.peer(), Reason.PEER_GONE, "the peer retired or has no current record");
    }
    if (!peer.rewards().contains(s)) {
      return new Change(s, h.peer(), Reason.NOT_REWARDED, "the peer no longer rewards it");
    }
    if (in.defaulted().contains(h.peer())) {
      return new Change(s, h.peer(), Reason.IN_DEFAULT, "the peer runs " + count(peer.offers(), in.myRewards())
          + " of the services this node rewards, down from " + h.level() + " when this was added for it");
    }
    return null;
  }

  /** Why candidate {@code c} cannot be added now, or null if it can. */
  private static Blocked blocked(PlanInput in, Budget budget, String c) {
    if (!in.services().containsKey(c)) {
      return new Blocked(c, Reason.UNKNOWN_SERVICE, "no service record with this id is known");
    }
    if (in.unrunnable().containsKey(c)) {
      return new Blocked(c, Reason.CANNOT_RUN, in.unrunnable().get(c));
    }
    String full = budget.shortOf(memory(in, c));
    return full == null ? null : new Blocked(c, Reason.NO_CAPACITY, full);
  }

  private static String summary(ServerRecord peer, int owed, int missing, Set<String> offers, List<Blocked> blocked) {
    Set<String> reasons = new LinkedHashSet<>();
    blocked.forEach(b -> reasons.add(b.reason().text()));
    String head = missing + " of " + owed + " owed cannot be added";
    int already = count(peer.rewards(), offers);
    if (missing > blocked.size()) {
      reasons.add("nothing else to add: it rewards " + peer.rewards().size() + " services and this node offers "
          + already + " of them");
    }
    return head + ": " + String.join("; ", reasons);
  }

  /**
   * The order in which services are chosen (and kept when capacity shrinks): already fetched first, then the lightest
   * module to load, the fewest memory pages, the least fuel, then the service id. Unknown sizes and records sort last.
   */
  static Comparator<String> preference(PlanInput in) {
    Map<String, Cost> costs = new HashMap<>();
    Comparator<Cost> byCost = Comparator.comparingLong(Cost::moduleWeight).thenComparingInt(Cost::pages)
        .thenComparingLong(Cost::fuel);
    return Comparator.comparing((String s) -> costs.computeIfAbsent(s, k -> Cost.of(in, k)), byCost)
        .thenComparing(Comparator.naturalOrder());
  }

  /** What choosing a service costs; {@code MAX_VALUE} where unknown (a module not fetched: its weight is unknown). */
  private record Cost(long moduleWeight, int pages, long fuel) {
    static Cost of(PlanInput in, String s) {
      ServiceRecord r = in.services().get(s);
      if (r == null) {
        return new Cost(Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE);
      }
      Long weight = r.isOci() ? Long.valueOf(0) : in.fetched().get(r.code());
      return new Cost(weight == null ? Long.MAX_VALUE : weight, r.limits().memoryPages(), r.limits().fuel());
    }
  }

  /** Memory a service may use: its page limit × 64 KiB (0 when its record is unknown). */
  static long memory(PlanInput in, String s) {
    ServiceRecord r = in.services().get(s);
    return r == null ? 0 : r.isOci() ? r.oci().memoryMiB() * (1L << 20) : r.limits().memoryPages() * PAGE_BYTES;
  }

  /** The current, non-retired records other than this node's, newest per key, by key. */
  static Map<PublicKey, ServerRecord> peers(PlanInput in) {
    TreeMap<PublicKey, ServerRecord> out = new TreeMap<>();
    for (ServerRecord r : in.records()) {
      if (!r.key().equals(in.me())) {
        out.merge(r.key(), r, (a, b) -> a.seq() >= b.seq() ? a : b);
      }
    }
    out.values().removeIf(ServerRecord::retired);
    return out;
  }

  /** {@code |a ∩ b|}: iterates {@code a}, looks up in {@code b}. */
  static int count(Collection<String> a, Set<String> b) {
    int n = 0;
    for (String x : a) {
      if (b.contains(x)) {
        n++;
      }
    }
    return n;
  }

  /** Service slots and memory left. */
  private static final class Budget {
    private final ServerRecord.Capacity capacity;
    private int services;
    private long bytes;

    Budget(ServerRecord.Capacity capacity) {
      this.capacity = capacity;
    }

    void take(long memory) {
      services++;
      bytes += memory;
    }

    /** Why one more service of this size does not fit, or null if it does. */
    String shortOf(long memory) {
      if (services + 1 > capacity.maxServices()) {
        return "no free service slot: " + services + " of " + capacity.maxServices() + " in use";
      }
      long max = capacity.maxMemoryMb() * MIB;
      if (bytes + memory > max) {
        return "needs " + mib(memory) + " MiB of memory, " + mib(Math.max(0, max - bytes)) + " of "
            + capacity.maxMemoryMb() + " MiB free";
      }
      return null;
    }

    private static String mib(long bytes) {
      return bytes % MIB == 0 ? Long.toString(bytes / MIB) : String.format(Locale.ROOT, "%.2f", bytes / (double) MIB);
    }
  }
}
