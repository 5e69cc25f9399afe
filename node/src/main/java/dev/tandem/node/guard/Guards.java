package dev.tandem.node.guard;

import dev.tandem.node.evidence.EvidenceIntake;
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

  /** The limits of evidence intake. */
  public static EvidenceIntake.Settings evidenceIntake(NodeLimits l) {
    return new EvidenceIntake.Settings(l.get(Limit.MAX_EVIDENCE_BYTES), l.get(Limit.EVIDENCE_KB_PER_ADDRESS_PER_HOUR),
        l.get(Limit.EVIDENCE_KB_PER_REPORTER_PER_HOUR), l.intValue(Limit.EVIDENCE_QUEUE_ITEMS),
        l.get(Limit.EVIDENCE_QUEUE_MB) << 20, l.get(Limit.EVIDENCE_QUEUE_SECONDS) * 1000,
        l.get(Limit.RERUN_MS_PER_ADDRESS_PER_HOUR), l.get(Limit.RERUN_MS_PER_REPORTER_PER_HOUR));
  }
}
