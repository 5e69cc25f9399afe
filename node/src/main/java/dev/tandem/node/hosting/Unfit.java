package dev.tandem.node.hosting;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Services whose module cannot run on this node for a reason that lasts: the module was rejected (a service's id
 * names its bytes, which never change), its metering is not what the record says, or it may take more heap than the
 * whole of {@code --module-memory-mb}. They are remembered after they stop being wanted, so the reciprocity planner
 * does not choose them again a round later, and they are not prepared again when records arrive: otherwise a module
 * anyone can register would be fetched over the network and refused again and again.
 */
final class Unfit {
  /** Services remembered, the least recently failed forgotten first. */
  static final int REMEMBERED = 1024;

  private final Map<String, String> why = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > REMEMBERED;
    }
  };

  synchronized void remember(String serviceId, String reason) {
    why.put(serviceId, reason);
  }

  synchronized Optional<String> why(String serviceId) {
    return Optional.ofNullable(why.get(serviceId));
  }

  /** Every service remembered, with why. */
  synchronized Map<String, String> all() {
    return Map.copyOf(why);
  }

  /** Forgets them all: the node's limits changed, so what did not fit may fit now. */
  synchronized void forgetAll() {
    why.clear();
  }
}
