package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Judgement;
import dev.tandem.core.wire.RpcErrors;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The items an {@link EvidenceSync} round pulls, judged one by one, and what the sync remembers of each peer between
 * rounds: its failures, how many rounds it is left alone, and the item holding its cursor. Kept apart from the rounds
 * themselves, which only decide whom to ask when.
 */
final class PulledItems {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceSync.class);

  private final EvidenceSync.Judge judge;
  private final Clock clock;
  /** An item that cannot be judged holds its peer's cursor for five rounds and at least this long. */
  private final long holdMillis;

  final AtomicLong pulled = new AtomicLong();
  final AtomicLong convicted = new AtomicLong();
  final AtomicLong known = new AtomicLong();
  final AtomicLong dropped = new AtomicLong();
  final AtomicLong held = new AtomicLong();

  PulledItems(EvidenceSync.Judge judge, Clock clock, long holdMillis) {
    this.judge = judge;
    this.clock = clock;
    this.holdMillis = holdMillis;
  }

  /** Judges one item; returns false when it must be tried again later (the peer's cursor must not pass it). */
  boolean take(URI peer, PeerState state, JsonNode item) throws Busy {
    pulled.incrementAndGet();
    String key = Hashes.sha256Hex(item.toString().getBytes(StandardCharsets.UTF_8));
    try {
      EvidenceHandler.Receipt receipt = judge.receivePulled(item, peer);
      if (receipt.known()) {
        known.incrementAndGet();
      } else if (receipt.verdict().status().equals(Judgement.PENDING)) {
        return hold(peer, state, key, receipt.verdict().detail());
      } else if (receipt.verdict().status().equals(Judgement.CONVICTED)) {
        convicted.incrementAndGet();
      }
      return true;
    } catch (JsonRpc.Failure f) {
      if (f.code() == RpcErrors.OVERLOADED) {
        throw new Busy();
      }
      return hold(peer, state, key, f.getMessage());
    } catch (IllegalArgumentException e) {
      dropped.incrementAndGet();
      LOG.debug("dropped invalid evidence pulled from {}: {}", peer, e.getMessage());
      return true;
    } catch (RuntimeException e) {
      // A local failure (node.db) or one this item causes: retried like an item that cannot be judged yet.
      return hold(peer, state, key, e.toString());
    }
  }

  private boolean hold(URI peer, PeerState state, String key, String why) {
    held.incrementAndGet();
    long now = clock.millis();
    if (state.held == null || !state.held.key().equals(key)) {
      state.held = new Held(key, now, 0);
    }
    state.held = new Held(key, state.held.since(), state.held.rounds() + 1);
    if (state.held.rounds() >= 5 && now - state.held.since() >= holdMillis) {
      LOG.info("evidence {} from {} still cannot be judged ({}); moving past it", key.substring(0, 12), peer, why);
      state.held = null;
      return true;
    }
    LOG.debug("evidence {} from {} cannot be judged yet ({}); trying again next round", key.substring(0, 12), peer,
        why);
    return false;
  }

  /** An item holding a peer's cursor: since when (clock millis), for how many rounds. */
  record Held(String key, long since, int rounds) {}

  /** What a round remembers of a peer. */
  static final class PeerState {
    int failures;
    int skip;
    Held held;

    void failed(int maxSkip) {
      failures++;
      skip = (int) Math.min((1L << Math.min(failures - 1, 30)) - 1, maxSkip);
    }
  }

  /** Re-runs stayed busy: end the round. */
  static final class Busy extends Exception {
    Busy() {
      super(null, null, false, false);
    }
  }
}
