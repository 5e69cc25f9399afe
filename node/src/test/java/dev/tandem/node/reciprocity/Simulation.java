package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Many planners sharing one registry, in synchronous rounds: in each round every node plans against the records all
 * nodes published after the previous round, then all publish at once. A node publishes what it can run of its plan,
 * as {@code Hosting} would: never an unrunnable service.
 */
final class Simulation {

  /** One node's fixed configuration. */
  record Spec(PublicKey key, Set<String> operatorOffers, Set<String> rewards, ServerRecord.Capacity capacity,
      Map<String, Long> fetched, Map<String, String> unrunnable) {}

  final Map<PublicKey, Spec> specs = new LinkedHashMap<>();
  final List<ServiceRecord> services;
  final Map<String, ServiceRecord> byId = new TreeMap<>();
  final Map<PublicKey, Map<String, Held>> held = new TreeMap<>();
  final Map<PublicKey, ServerRecord> records = new TreeMap<>();
  final Map<PublicKey, Plan> plans = new TreeMap<>();
  int rounds;

  Simulation(List<Spec> nodes, List<ServiceRecord> services) {
    this.services = List.copyOf(services);
    services.forEach(s -> byId.put(s.serviceId(), s));
    for (Spec s : nodes) {
      specs.put(s.key(), s);
      held.put(s.key(), Map.of());
      publish(s, new TreeSet<>(s.operatorOffers()), 1);
    }
  }

  PlanInput input(Spec s) {
    return PlanInput.builder(s.key()).records(records.values()).services(byId).capacity(s.capacity())
        .myRewards(s.rewards()).operatorOffers(s.operatorOffers()).fetched(s.fetched()).unrunnable(s.unrunnable())
        .held(held.get(s.key())).now(rounds).build();
  }

  /** One round; true when any node published a different record. */
  boolean round() {
    rounds++;
    Map<PublicKey, Plan> next = new TreeMap<>();
    for (Spec s : specs.values()) {
      next.put(s.key(), Planner.plan(input(s)));
    }
    boolean changed = false;
    for (Spec s : specs.values()) {
      Plan p = next.get(s.key());
      plans.put(s.key(), p);
      held.put(s.key(), p.held());
      changed |= publish(s, p.offers(), records.get(s.key()).seq() + 1);
    }
    return changed;
  }

  /** Rounds until nothing changes; returns how many ran, or -1 past {@code limit}. */
  int untilFixpoint(int limit) {
    while (rounds < limit) {
      if (!round()) {
        return rounds;
      }
    }
    return -1;
  }

  private boolean publish(Spec s, Set<String> offers, long seq) {
    List<String> runnable = new ArrayList<>(new TreeSet<>(offers));
    runnable.removeIf(id -> s.unrunnable().containsKey(id));
    ServerRecord before = records.get(s.key());
    if (before != null && before.offers().equals(runnable)) {
      return false;
    }
    records.put(s.key(), Fixtures.server(s.key(), runnable, new TreeSet<>(s.rewards()), s.capacity(), seq));
    return true;
  }

  Set<String> offers(PublicKey key) {
    return new TreeSet<>(records.get(key).offers());
  }

  Obligations obligations() {
    return Obligations.of(records.values());
  }
}
