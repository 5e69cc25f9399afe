package dev.tandem.registry.store;

import dev.tandem.core.net.Origins;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.net.URI;

/**
 * What one record must be, whatever else is stored: server URLs and service homes are origins, and a server record
 * offers and rewards at most so many services. The embedded registry applies these with its operator's quotas; a
 * chain registry, whose readers must all agree on what they keep, with the fixed {@link #DEFAULT_MAX_OFFERS} and
 * {@link #DEFAULT_MAX_REWARDS}.
 */
public final class RecordRules {
  /** Services one server record may offer, unless an operator sets {@code --max-record-offers}. */
  public static final int DEFAULT_MAX_OFFERS = 256;
  /** Services one server record may reward, unless an operator sets {@code --max-record-rewards}. */
  public static final int DEFAULT_MAX_REWARDS = 256;

  private RecordRules() {}

  /**
   * Throws when {@code record} breaks a rule. A limit of 0 is no limit.
   *
   * @param flags whether the message names the node flags that set the limits (not on a chain, where they are fixed)
   */
  public static void check(SignedRecord record, int maxOffers, int maxRewards, boolean flags) {
    switch (record) {
      case ServerRecord s -> {
        origin("url", s.url());
        over(maxOffers, s.offers().size(), "offers", "offers " + s.offers().size() + " services",
            flags ? "--max-record-offers" : null);
        over(maxRewards, s.rewards().size(), "rewards", "rewards " + s.rewards().size() + " services",
            flags ? "--max-record-rewards" : null);
      }
      case ServiceRecord s -> {
        if (s.home() != null) {
          origin("home", s.home());
        }
      }
    }
  }

  private static void origin(String field, URI url) {
    Origins.problem(url).ifPresent(p -> {
      throw new RecordException(field, p);
    });
  }

  /** Throws a quota refusal naming {@code flag} (when not null) if {@code value} is over a non-zero {@code limit}. */
  static void over(int limit, int value, String field, String what, String flag) {
    if (limit > 0 && value > limit) {
      throw new RecordException(field, "quota: " + what + ", the limit is " + limit
          + (flag == null ? "" : " (" + flag + ")"));
    }
  }
}
