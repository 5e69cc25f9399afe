package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.wire.Methods;
import dev.tandem.registry.Registry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-peer work of gossip, on virtual threads: pulling a peer's record log from its cursor and storing each
 * record locally, draining a peer's push queue, the backoff after failures, and the counters of all that.
 */
final class PeerWorkers implements AutoCloseable {
  // Logged under Gossip's name, as before the workers were their own class, so logging configurations keep working.
  private static final Logger LOG = LoggerFactory.getLogger(Gossip.class);
  /** Pages pulled from one peer in one round at most, so one huge backlog does not hold a worker for long. */
  static final int MAX_PAGES_PER_ROUND = 64;
  /** The peer a record is being pulled from, set on the pulling thread so the push skips it. */
  private static final ThreadLocal<URI> PULLING_FROM = new ThreadLocal<>();

  private final Registry registry;
  private final PeerCursors cursors;
  private final Duration interval;
  private final Duration maxBackoff;
  private final int pageSize;
  private final JsonRpcClient client;
  private final BooleanSupplier closed;
  private final LogFollower follower = new LogFollower(Methods.RECORDS, "records", MAX_PAGES_PER_ROUND);
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-gossip-", 0).factory());

  private final AtomicLong pulled = new AtomicLong();
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong pushed = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong stale = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  /**
   * @param interval the first backoff step
   * @param maxBackoff the longest backoff
   * @param client how peers are reached; closed by {@link #close}
   * @param closed whether gossip is closed, checked so work stops early
   */
  PeerWorkers(Registry registry, PeerCursors cursors, Duration interval, Duration maxBackoff, int pageSize,
      JsonRpcClient client, BooleanSupplier closed) {
    this.registry = registry;
    this.cursors = cursors;
    this.interval = interval;
    this.maxBackoff = maxBackoff;
    this.pageSize = pageSize;
    this.client = client;
    this.closed = closed;
  }

  /** The counters, with the rounds and peers counted by the caller. */
  GossipStats stats(long rounds, int peers) {
    return new GossipStats(rounds, pulled.get(), stored.get(), pushed.get(), rejected.get(), stale.get(),
        dropped.get(), failures.get(), peers);
  }

  /** Stops the workers and the client; requests in flight are abandoned. */
  @Override
  public void close() {
    workers.shutdownNow();
    client.close();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --- push -----------------------------------------------------------------------------------------------------

  /** Queues a newly stored record for every peer but the one it is being pulled from, and pushes where it can. */
  void push(SignedRecord record, Iterable<Peer> peers) {
    URI source = PULLING_FROM.get();
    for (Peer peer : peers) {
      if (peer.base.equals(source)) {
        continue;
      }
      if (peer.enqueue(record)) {
        dropped.incrementAndGet();
      }
      if (peer.ready(System.nanoTime())) {
        drainLater(peer);
      }
    }
  }

  /** Starts draining the peer's push queue on a worker, unless a drain runs already. */
  void drainLater(Peer peer) {
    if (closed.getAsBoolean() || !peer.pushing.compareAndSet(false, true)) {
      return;
    }
    try {
      workers.execute(() -> drain(peer));
    } catch (RejectedExecutionException e) {
      peer.pushing.set(false); // closing
    }
  }

  private void drain(Peer peer) {
    try {
      while (!closed.getAsBoolean() && !peer.removed && peer.ready(System.nanoTime())) {
        SignedRecord record = peer.poll();
        if (record == null) {
          break;
        }
        try {
          client.call(peer.rpc, Methods.SUBMIT_RECORD, Methods.submitRecord(record.toJson(), null, null));
          pushed.incrementAndGet();
          succeeded(peer);
        } catch (JsonRpcClient.RpcError e) {
          // Reached, and refused: typically it already holds a newer record for that server. Its pulls sort it out.
          pushed.incrementAndGet();
          succeeded(peer);
          LOG.debug("peer {} refused {}: {}", peer, record, e.getMessage());
        } catch (IOException e) {
          peer.pushBack(record);
          failed(peer, "push", e);
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("pushing to {} failed: {}", peer, e.toString(), e);
    } finally {
      peer.pushing.set(false);
    }
    // A record queued after the loop found the queue empty, and before pushing was cleared, would wait for the next
    // round: look once more.
    if (!closed.getAsBoolean() && !peer.removed && peer.hasQueued() && peer.ready(System.nanoTime())) {
      drainLater(peer);
    }
  }

  // --- pull -----------------------------------------------------------------------------------------------------

  /**
   * Starts a pull from the peer on a worker, unless one runs already.
   *
   * @return false when the workers are closing and took no task
   */
  boolean pullLater(Peer peer) {
    if (peer.pulling.compareAndSet(false, true)) {
      try {
        workers.execute(() -> pull(peer));
      } catch (RejectedExecutionException e) {
        peer.pulling.set(false);
        return false;
      }
    }
    return true;
  }

  private void pull(Peer peer) {
    try {
      follower.follow(cursors.position(peer.base),
          cursor -> client.call(peer.rpc, Methods.RECORDS, Methods.page(cursor, pageSize)),
          json -> {
            accept(peer, json);
            return true;
          },
          (to, restart) -> {
            if (restart != null) {
              LOG.info("peer {} has {}; pulling its records from the start", peer, restart);
            }
            cursors.save(peer.base, to);
          },
          () -> !closed.getAsBoolean() && !peer.removed);
      succeeded(peer);
    } catch (JsonRpcClient.RpcError e) {
      failed(peer, "pull", new IOException("it answered tandem_records with an error: " + e.getMessage()));
    } catch (IOException e) {
      failed(peer, "pull", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The local store failed (disk, closed): keep the cursor where it is and try again next round.
      if (!closed.getAsBoolean()) {
        LOG.warn("pulling from {} stopped: {}", peer, e.toString(), e);
      }
    } finally {
      peer.pulling.set(false);
    }
  }

  /** Validates and stores one pulled record; an invalid one is counted and logged, never stored. */
  private void accept(Peer peer, JsonNode json) {
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

  // --- backoff --------------------------------------------------------------------------------------------------

  private void succeeded(Peer peer) {
    if (peer.succeeded()) {
      LOG.info("peer {} is reachable again", peer);
    }
  }

  private void failed(Peer peer, String what, IOException e) {
    failures.incrementAndGet();
    Duration backoff = peer.failed(interval, maxBackoff);
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (peer.failures() == 1) {
      LOG.warn("gossip {} with {} failed: {}; retrying in {} ms", what, peer, reason, backoff.toMillis());
    } else {
      LOG.debug("gossip {} with {} failed again ({} times): {}; retrying in {} ms", what, peer, peer.failures(),
          reason, backoff.toMillis());
    }
  }
}
