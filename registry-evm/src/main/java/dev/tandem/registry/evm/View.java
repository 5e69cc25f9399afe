package dev.tandem.registry.evm;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable view of the current records with the indexes readers need, shared by every reader without locks and
 * rebuilt after a change. Retired services stay reachable by id (a record that was true stays true, and calls in
 * flight still name it) but are no longer listed or found by name.
 */
final class View {
  static final View EMPTY = new View(Map.of(), Set.of(), List.of());

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

  View(Map<String, ServiceRecord> byId, Set<String> retiredServices, Collection<ServerRecord> servers) {
    List<ServiceRecord> listed = new ArrayList<>();
    Map<String, List<ServiceRecord>> byName = new HashMap<>();
    byId.forEach((id, s) -> {
      if (!retiredServices.contains(id)) {
        listed.add(s);
        byName.computeIfAbsent(s.name(), n -> new ArrayList<>()).add(s);
      }
    });
    listed.sort(BY_NAME_THEN_ID);
    byName.replaceAll((name, list) -> list.stream().sorted(NEWEST_FIRST).toList());

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
    this.services = List.copyOf(listed);
    this.servicesByName = Map.copyOf(byName);
    this.serverByKey = Map.copyOf(byKey);
    this.activeServers = List.copyOf(active);
    this.offering = Map.copyOf(offers);
  }
}
