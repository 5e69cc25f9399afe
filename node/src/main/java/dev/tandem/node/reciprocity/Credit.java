package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * How reciprocity counts other servers' records: a convicted server's offers count for nothing, and with delivery
 * probes an offer that failed its latest probe neither, until a probe of it succeeds.
 *
 * @param me this node, whose own record counts as it is
 * @param convicted which servers this node holds convicted
 * @param probes the delivery probes, or null: every declared offer counts
 */
record Credit(PublicKey me, Predicate<PublicKey> convicted, DeliveryProbes probes) {
  /** {@code r} as reciprocity counts it. */
  ServerRecord of(ServerRecord r) {
    if (r.key().equals(me)) {
      return r;
    }
    ServerRecord c = Reciprocity.credited(r, convicted);
    if (probes == null || c.offers().isEmpty()) {
      return c;
    }
    List<String> delivered = c.offers().stream().filter(s -> !probes.undelivered(r.key(), s)).toList();
    return delivered.size() == c.offers().size() ? c
        : new ServerRecord(r.key(), r.url(), delivered, r.rewards(), r.capacity(), r.seq(), r.retired(), r.sig());
  }

  /** Each other server's declared offers of the services in {@code mine}, by key (before any credit is taken). */
  Map<PublicKey, List<String>> declared(Collection<ServerRecord> records, Set<String> mine) {
    Map<PublicKey, List<String>> out = new TreeMap<>();
    for (ServerRecord r : records) {
      if (!r.key().equals(me)) {
        out.put(r.key(), r.offers().stream().filter(mine::contains).sorted().toList());
      }
    }
    return out;
  }
}
