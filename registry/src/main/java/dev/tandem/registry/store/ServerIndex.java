package dev.tandem.registry.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The current, non-retired servers in key order, and which of them offer each service: what every call's server
 * selection reads. Immutable; built after a change by the first reader that needs it.
 */
public final class ServerIndex {
  private final List<ServerRecord> active;
  private final Map<String, List<ServerRecord>> offering;

  /** The index of {@code servers}: each key's current record. */
  public ServerIndex(Map<PublicKey, ServerRecord> servers) {
    List<ServerRecord> list = new ArrayList<>();
    for (ServerRecord s : servers.values()) {
      if (!s.retired()) {
        list.add(s);
      }
    }
    list.sort(Comparator.comparing(ServerRecord::key));
    Map<String, List<ServerRecord>> offers = new HashMap<>();
    for (ServerRecord s : list) { // in key order, so each list is too
      for (String id : s.offers()) {
        offers.computeIfAbsent(id, i -> new ArrayList<>()).add(s);
      }
    }
    offers.replaceAll((id, l) -> List.copyOf(l));
    this.active = List.copyOf(list);
    this.offering = Map.copyOf(offers);
  }

  /** The non-retired servers, in key order. */
  public List<ServerRecord> active() {
    return active;
  }

  /** The non-retired servers whose record offers {@code serviceId}, in key order. */
  public List<ServerRecord> offering(String serviceId) {
    return serviceId == null ? List.of() : offering.getOrDefault(serviceId, List.of());
  }
}
