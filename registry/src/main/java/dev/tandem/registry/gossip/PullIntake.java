package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pulled record goes through: parsed, counted against its peer's {@link LearnedPeerQuota} when the peer was
 * learned, submitted to the registry (which validates it), and counted.
 */
final class PullIntake {
  // Logged under Gossip's name, as the rest of gossip's work.
  private static final Logger LOG = LoggerFactory.getLogger(Gossip.class);
  /** The peer a record is being pulled from, set on the pulling thread so the push skips it. */
  private static final ThreadLocal<URI> PULLING_FROM = new ThreadLocal<>();

  private final Registry registry;
  private final LearnedPeerQuota quota;
  final AtomicLong pulled = new AtomicLong();
  final AtomicLong stored = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong stale = new AtomicLong();
  final AtomicLong deferred = new AtomicLong();

  PullIntake(Registry registry, LearnedPeerQuota quota) {
    this.registry = registry;
    this.quota = quota;
  }

  /** The peer the calling thread is pulling a record from now, or null. */
  static URI source() {
    return PULLING_FROM.get();
  }

  /** What a learned peer may still bring (configured peers: no limit); throws {@link QuotaReached} at none. */
  long room(Peer peer) {
    long room = peer.configured ? Long.MAX_VALUE : quota.room(peer.base);
    if (room <= 0) {
      throw new QuotaReached();
    }
    return room;
  }

  /** Stops a pull from a learned peer that brought its quota of new records, leaving its cursor where it is. */
  static final class QuotaReached extends RuntimeException {
    QuotaReached() {
      super(null, null, false, false);
    }
  }

  /** Validates and stores one pulled record; an invalid one is counted and logged, never stored. */
  void accept(Peer peer, JsonNode json) {
    room(peer);
    pulled.incrementAndGet();
    SignedRecord record;
    try {
      record = SignedRecord.fromJson(json);
    } catch (RecordException e) {
      rejected.incrementAndGet();
      LOG.warn("rejected a record from {}: {}", peer, e.getMessage());
      return;
    }
    PULLING_FROM.set(peer.base);
    try {
      if (registry.submit(record, peer.base.toString()) == Registry.Submitted.STORED) {
        stored.incrementAndGet();
        if (!peer.configured) {
          quota.stored(peer.base);
        }
      }
    } catch (RecordException e) {
      if (supersededLocally(record)) {
        stale.incrementAndGet();
        LOG.debug("{} from {} is older than the stored one", record, peer);
      } else {
        rejected.incrementAndGet();
        LOG.warn("rejected {} from {}: {}", record, peer, e.getMessage());
      }
    } finally {
      PULLING_FROM.remove();
    }
  }

  /** A valid ServerRecord that lost a race to a newer one: normal in gossip, not the peer's fault. */
  private boolean supersededLocally(SignedRecord record) {
    return record instanceof ServerRecord s
        && registry.server(s.key()).map(current -> current.seq() > s.seq()).orElse(false);
  }
}
