package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import java.util.Objects;

/**
 * A service the planner runs for one peer (never one the operator chose).
 *
 * @param peer the peer it was added for
 * @param level how many of the services this node rewards the peer ran when it was added: what the peer is expected
 *     to keep giving. A peer that falls below it while owing this node is in arrears (see {@link Planner#arrears})
 * @param since when it was added, in milliseconds since the epoch
 */
public record Held(PublicKey peer, int level, long since) {
  public Held {
    Objects.requireNonNull(peer, "peer");
    if (level < 0) {
      throw new IllegalArgumentException("level must be >= 0, got " + level);
    }
  }
}
