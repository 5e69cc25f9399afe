package dev.tandem.registry.gossip;

import java.net.URI;

/**
 * How many new records a learned peer (one taken from a ServerRecord, not configured) may still bring by pulls. Keys
 * cost nothing, so learned peers can be a script's own nodes, each offering an endless log of fresh records; counted
 * like submissions, they cannot fill the registry faster than an address can. Configured peers are not counted.
 */
public interface LearnedPeerQuota {
  /** New records {@code peer} may still bring now ({@code 0}: none until its quota refills). */
  long room(URI peer);

  /** Counts one new record stored from {@code peer}. */
  void stored(URI peer);

  /** No limit (the default). */
  static LearnedPeerQuota unlimited() {
    return new LearnedPeerQuota() {
      @Override
      public long room(URI peer) {
        return Long.MAX_VALUE;
      }

      @Override
      public void stored(URI peer) {}
    };
  }
}
