package dev.tandem.node.quota;

import dev.tandem.registry.gossip.LearnedPeerQuota;
import java.net.URI;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * New records a learned gossip peer may bring per hour, counted by the host its URL names (keyed as callers are, so
 * an IPv6 /48 is one host): the budget an address has for submitting records ({@code --records-per-address-per-hour}),
 * so pulling from a script's nodes fills the registry no faster than its submissions could.
 */
public final class PeerHostQuota implements LearnedPeerQuota {
  private final HourlyQuota quota;
  private final UnaryOperator<String> keyOfHost;

  /**
   * @param recordsPerHour new records one host may bring per hour ({@code 0}: no limit)
   * @param keyOfHost the quota key of a URL's host, as callers' addresses are keyed; it must not look names up
   */
  public PeerHostQuota(long recordsPerHour, LongSupplier nowMs, UnaryOperator<String> keyOfHost) {
    this.quota = recordsPerHour > 0 ? new HourlyQuota(recordsPerHour, nowMs) : null;
    this.keyOfHost = keyOfHost;
  }

  @Override
  public long room(URI peer) {
    return quota == null ? Long.MAX_VALUE : quota.room(key(peer));
  }

  @Override
  public void stored(URI peer) {
    if (quota != null) {
      quota.charge(key(peer), 1);
    }
  }

  private String key(URI peer) {
    return peer.getHost() == null ? peer.toString() : keyOfHost.apply(peer.getHost());
  }
}
