package dev.tandem.node.quota;

import dev.tandem.registry.gossip.LearnedPeerQuota;
import java.net.URI;

/**
 * New records a learned gossip peer may bring per hour, counted by the host its URL names: the budget an address has
 * for submitting records ({@code --records-per-address-per-hour}), so pulling from a script's nodes fills the registry
 * no faster than its submissions could.
 */
public final class PeerHostQuota implements LearnedPeerQuota {
  private final HourlyQuota quota;

  /** @param recordsPerHour new records one host may bring per hour ({@code 0}: no limit) */
  public PeerHostQuota(long recordsPerHour, java.util.function.LongSupplier nowMs) {
    this.quota = recordsPerHour > 0 ? new HourlyQuota(recordsPerHour, nowMs) : null;
  }

  @Override
  public long room(URI peer) {
    return quota == null ? Long.MAX_VALUE : quota.room(peer.getHost());
  }

  @Override
  public void stored(URI peer) {
    if (quota != null) {
      quota.charge(peer.getHost(), 1);
    }
  }
}
