package dev.tandem.registry.store;

import dev.tandem.core.record.ServiceRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The orderings of the stored services that whole-list reads need: all by name then id, and per name newest first.
 * Immutable; built after a change by the first reader that needs it.
 */
final class ServiceIndex {
  // Entries carry the id, so sorting never recomputes serviceId() (a hash of the record) per comparison.
  private static final Comparator<Map.Entry<String, ServiceRecord>> BY_NAME_THEN_ID =
      Comparator.<Map.Entry<String, ServiceRecord>, String>comparing(e -> e.getValue().name())
          .thenComparing(Map.Entry::getKey);
  private static final Comparator<Map.Entry<String, ServiceRecord>> NEWEST_FIRST =
      Comparator.<Map.Entry<String, ServiceRecord>>comparingLong(e -> e.getValue().createdAt()).reversed()
          .thenComparing(Map.Entry::getKey);

  final List<ServiceRecord> byNameThenId;
  final Map<String, List<ServiceRecord>> byName;

  ServiceIndex(Map<String, ServiceRecord> services) {
    List<Map.Entry<String, ServiceRecord>> entries = new ArrayList<>(services.entrySet());
    entries.sort(BY_NAME_THEN_ID);
    this.byNameThenId = entries.stream().map(Map.Entry::getValue).toList();

    Map<String, List<Map.Entry<String, ServiceRecord>>> groups = new HashMap<>();
    entries.forEach(e -> groups.computeIfAbsent(e.getValue().name(), n -> new ArrayList<>()).add(e));
    Map<String, List<ServiceRecord>> names = new HashMap<>();
    groups.forEach((name, list) -> {
      list.sort(NEWEST_FIRST);
      names.put(name, list.stream().map(Map.Entry::getValue).toList());
    });
    this.byName = Map.copyOf(names);
  }
}
