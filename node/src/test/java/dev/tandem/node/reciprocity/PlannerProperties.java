package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Planners acting concurrently on a shared registry converge. Every node plans against the records all nodes published
 * after the previous round (the worst case for oscillation: nobody sees anybody's move of the same round).
 *
 * <p>The bound: with fixed configurations and no defaults the planner never withdraws anything, so each node's held
 * services only grow (checked every round below); a round that changes any record therefore adds at least one
 * service somewhere, and no node can hold more than {@code min(maxServices, services)}. Hence a fixpoint after at most
 * {@code 1 + Σ min(maxServices, services)} rounds. Observed: a handful.
 */
class PlannerProperties {
  static final List<PublicKey> KEYS = new ArrayList<>();

  static {
    for (int i = 0; i < 50; i++) {
      KEYS.add(Fixtures.key("node" + i).publicKey());
    }
  }

  @Property(tries = 300, seed = "7406911")
  void aNetworkOfPlannersNeverOverreachesAndReachesAFixpoint(
      @ForAll @IntRange(min = 2, max = 50) int servers,
      @ForAll @IntRange(min = 1, max = 30) int serviceCount,
      @ForAll long seed) {
    Statistics.label("rounds to fixpoint").collect(converge(servers, serviceCount, seed));
  }

  /** Builds a random network, runs it to its fixpoint checking every round, and returns how many rounds it took. */
  static int converge(int servers, int serviceCount, long seed) {
    Random r = new Random(seed);
    List<ServiceRecord> known = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < serviceCount; i++) {
      ServiceRecord s = Fixtures.synthetic(i, 1 + r.nextInt(512), 1 + r.nextInt(1_000_000));
      ids.add(s.serviceId());
      if (r.nextInt(10) > 0) {
        known.add(s); // about one service in ten has no record anywhere: "service record unknown"
      }
    }
    double unrunnableRate = new double[] {0, 0.1, 0.3}[r.nextInt(3)];
    List<Simulation.Spec> specs = new ArrayList<>();
    for (int n = 0; n < servers; n++) {
      Map<String, String> unrunnable = new HashMap<>();
      Map<String, Long> fetched = new HashMap<>();
      for (ServiceRecord s : known) {
        if (r.nextDouble() < unrunnableRate) {
          unrunnable.put(s.serviceId(), "module rejected");
        }
        if (r.nextInt(3) == 0) {
          fetched.put(s.module().toString(), 1_000L + r.nextInt(1_000_000));
        }
      }
      ServerRecord.Capacity cap = new ServerRecord.Capacity(r.nextInt(13),
          new int[] {1, 4, 16, 64, 256, 4096}[r.nextInt(6)]);
      specs.add(new Simulation.Spec(KEYS.get(n), pick(r, ids, r.nextInt(4)), pick(r, ids, r.nextInt(7)), cap,
          fetched, unrunnable));
    }
    Simulation sim = new Simulation(specs, known);
    Set<String> knownIds = new HashSet<>();
    known.forEach(s -> knownIds.add(s.serviceId()));

    int bound = 1;
    for (Simulation.Spec s : specs) {
      bound += Math.min(s.capacity().maxServices(), serviceCount);
    }
    boolean changed = true;
    while (changed) {
      assertThat(sim.rounds).as("rounds before a fixpoint (bound %d)", bound).isLessThan(bound);
      Map<PublicKey, Map<String, Held>> before = new TreeMap<>(sim.held);
      changed = sim.round();
      for (Simulation.Spec s : specs) {
        Plan p = sim.plans.get(s.key());
        checkCapacity(sim, s, p);
        // Never chooses what it cannot run, does not know, or the operator already chose.
        assertThat(p.held().keySet()).noneMatch(s.unrunnable()::containsKey).noneMatch(s.operatorOffers()::contains)
            .allMatch(knownIds::contains);
        assertThat(sim.records.get(s.key()).offers()).noneMatch(s.unrunnable()::containsKey);
        // Held services only grow (what the bound rests on), and honest peers never fall into arrears.
        assertThat(p.held()).containsAllEntriesOf(before.get(s.key()));
        assertThat(p.withdrawn()).isEmpty();
        assertThat(Planner.arrears(sim.input(s))).isEmpty();
      }
    }

    // At the fixpoint every remaining debt is one the debtor reports, with exactly the number it cannot add.
    Obligations ob = sim.obligations();
    for (Pair pair : ob.pairs()) {
      Plan p = sim.plans.get(pair.x());
      var shortfall = p.cannotHonour().stream().filter(s -> s.peer().equals(pair.y())).findFirst();
      if (pair.xOwesY() > 0) {
        assertThat(shortfall).as("%s owes %s %d", pair.x(), pair.y(), pair.xOwesY()).isPresent();
        assertThat(shortfall.get().missing()).isEqualTo(pair.xOwesY());
      } else {
        assertThat(shortfall).isEmpty();
      }
    }
    // Deterministic: the same input, in any record order, gives the same plan; and it is a fixpoint for each node.
    for (Simulation.Spec s : specs) {
      PlanInput in = sim.input(s);
      List<ServerRecord> shuffled = new ArrayList<>(in.records());
      Collections.shuffle(shuffled, r);
      Plan again = Planner.plan(in.next(shuffled, in.held()));
      assertThat(again).isEqualTo(sim.plans.get(s.key()));
      assertThat(again.unchanged()).isTrue();
    }
    return sim.rounds;
  }

  private static void checkCapacity(Simulation sim, Simulation.Spec s, Plan p) {
    if (p.held().isEmpty()) {
      return; // the operator's own choice may exceed the capacity; the planner then adds nothing
    }
    long memory = 0;
    int count = 0;
    for (String id : sim.records.get(s.key()).offers()) {
      count++;
      ServiceRecord x = sim.byId.get(id);
      memory += x == null ? 0 : x.limits().memoryPages() * Planner.PAGE_BYTES;
    }
    assertThat(count).as("services offered by %s", s.key()).isLessThanOrEqualTo(s.capacity().maxServices());
    assertThat(memory).as("memory of %s", s.key()).isLessThanOrEqualTo(s.capacity().maxMemoryMb() * Planner.MIB);
  }

  private static Set<String> pick(Random r, List<String> ids, int n) {
    List<String> copy = new ArrayList<>(ids);
    Collections.shuffle(copy, r);
    return Set.copyOf(copy.subList(0, Math.min(n, copy.size())));
  }
}
