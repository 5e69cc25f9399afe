package dev.tandem.node.reciprocity;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The node's side of {@link Reciprocity}, as plain fields. */
final class FakeHost implements Reciprocity.Host {
  volatile Set<String> operatorOffers = Set.of();
  volatile Set<String> rewards = Set.of();
  volatile ServerRecord.Capacity capacity = ServerRecord.Capacity.defaults();
  final Map<String, Long> modules = new ConcurrentHashMap<>();
  final Map<String, String> unrunnable = new ConcurrentHashMap<>();
  final List<Set<String>> applied = new ArrayList<>();

  @Override
  public Set<String> operatorOffers() {
    return operatorOffers;
  }

  @Override
  public Set<String> rewards() {
    return rewards;
  }

  @Override
  public ServerRecord.Capacity capacity() {
    return capacity;
  }

  @Override
  public OptionalLong moduleWeight(Cid module) {
    Long size = modules.get(module.toString());
    return size == null ? OptionalLong.empty() : OptionalLong.of(size);
  }

  @Override
  public Map<String, String> unrunnable() {
    return Map.copyOf(unrunnable);
  }

  @Override
  public synchronized void offer(Set<String> serviceIds) {
    applied.add(Set.copyOf(serviceIds));
  }

  synchronized Set<String> current() {
    return applied.isEmpty() ? Set.of() : applied.getLast();
  }
}
