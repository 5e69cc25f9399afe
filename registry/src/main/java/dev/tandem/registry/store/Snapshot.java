package dev.tandem.registry.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of the current records with the indexes the hot read paths need: service by id and by name,
 * servers by key and by offered service. Built from the registry's maps after a change, then shared by every reader
 * without locks.
 */
final class Snapshot {
  static final Snapshot EMPTY = new Snapshot(List.of(), List.of());

  private static final Comparator<ServiceRecord> BY_NAME_THEN_ID =
      Comparator.comparing(ServiceRecord::name).thenComparing(ServiceRecord::serviceId);
  private static final Comparator<ServiceRecord> NEWEST_FIRST =
      Comparator.comparingLong(ServiceRecord::createdAt).reversed().thenComparing(ServiceRecord::serviceId);

  final Map<String, ServiceRecord> serviceById;
  final List<ServiceRecord> services;
  final Map<String, List<ServiceRecord>> servicesByName;
  final Map<PublicKey, ServerRecord> serverByKey;
  final List<ServerRecord> activeServers;
  final Map<String, List<ServerRecord>> offering;

  /** {@code services} keyed by id is computed here: serviceId() hashes the record, so it is worth doing once. */
  Snapshot(Collection<Map.Entry<String, ServiceRecord>> serviceEntries, Collection<ServerRecord> servers) {
    Map<String, ServiceRecord> byId = new HashMap<>();
    Map<String, List<ServiceRecord>> byName = new HashMap<>();
    for (Map.Entry<String, ServiceRecord> e : serviceEntries) {
      byId.put(e.getKey(), e.getValue());
      byName.computeIfAbsent(e.getValue().name(), n -> new ArrayList<>()).add(e.getValue());
    }
    List<ServiceRecord> sorted = new ArrayList<>(byId.values());
    sorted.sort(BY_NAME_THEN_ID);
    Map<String, List<ServiceRecord>> names = new HashMap<>();
    byName.forEach((name, list) -> {
      list.sort(NEWEST_FIRST);
      names.put(name, List.copyOf(list));
    });

    Map<PublicKey, ServerRecord> byKey = new HashMap<>();
    List<ServerRecord> active = new ArrayList<>();
    for (ServerRecord s : servers) {
      byKey.put(s.key(), s);
      if (!s.retired()) {
        active.add(s);
      }
    }
    active.sort(Comparator.comparing(ServerRecord::key));
    Map<String, List<ServerRecord>> offers = new HashMap<>();
    for (ServerRecord s : active) { // in key order, so each list is too
      for (String id : s.offers()) {
        offers.computeIfAbsent(id, i -> new ArrayList<>()).add(s);
      }
    }
    offers.replaceAll((id, list) -> List.copyOf(list));

    this.serviceById = Map.copyOf(byId);
    this.services = List.copyOf(sorted);
    this.servicesByName = Map.copyOf(names);
    this.serverByKey = Map.copyOf(byKey);
    this.activeServers = List.copyOf(active);
    this.offering = Map.copyOf(offers);
  }
}
