package dev.tandem.node.guard;

import dev.tandem.registry.store.RegistryQuotas;

/** Turns the node's {@link NodeLimits} into the settings of the parts they protect. */
public final class Guards {
  private Guards() {}

  /** The embedded registry's quotas. */
  public static RegistryQuotas registryQuotas(NodeLimits l) {
    return new RegistryQuotas(l.intValue(Limit.MAX_RECORD_OFFERS), l.intValue(Limit.MAX_RECORD_REWARDS),
        l.intValue(Limit.MAX_SERVICES_PER_KEY), l.intValue(Limit.RECORDS_PER_KEY_PER_HOUR),
        l.intValue(Limit.MAX_SERVERS_PER_HOST), l.get(Limit.MAX_REGISTRY_MB) << 20);
  }
}
