package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.wire.Methods;
import dev.tandem.registry.Registry;
import dev.tandem.core.wire.RpcErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
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

  private final Registry registry;
  private final PeerCursors cursors;
  private final Duration interval;
  private final Duration maxBackoff;
  private final int pageSize;
  private final JsonRpcClient client;
  private final BooleanSupplier closed;
  private final LogFollower follower;
  private final LogFollower indexFollower;
  /** How long a peer without an index is pulled whole before it is asked for its index again (it may upgrade). */
  static final Duration NO_INDEX_RECHECK = Duration.ofMinutes(10);
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-gossip-", 0).factory());

  /** The records being fetched now, so that concurrent pulls fetch each new record once. */
  private final InFlight inFlight;
  private final AtomicLong listed = new AtomicLong();
  private final AtomicLong pushed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  /** Where pulled records go: checked, counted against a learned peer's quota, stored. */
  private final PullIntake intake;

  /**
   * @param interval the first backoff step
   * @param maxBackoff the longest backoff
   * @param client how peers are reached; closed by {@link #close}
   * @param closed whether gossip is closed, checked so work stops early
   * @param quota the new records each learned peer may bring
   */
  PeerWorkers(Registry registry, PeerCursors cursors, Duration interval, Duration maxBackoff, int pageSize,
      JsonRpcClient client, BooleanSupplier closed, LearnedPeerQuota quota) {
    this.intake = new PullIntake(registry, quota);
    this.registry = registry;
    this.cursors = cursors;
    this.interval = interval;
    this.inFlight = new InFlight(interval);
    this.maxBackoff = maxBackoff;
    this.pageSize = pageSize;
    this.follower = new LogFollower(Methods.RECORDS, "records", MAX_PAGES_PER_ROUND, pageSize);
    this.indexFollower = new LogFollower(Methods.RECORD_INDEX, "entries", MAX_PAGES_PER_ROUND, pageSize);
    this.client = client;
    this.closed = closed;
  }

  /** The counters, with the rounds and peers counted by the caller. */
  GossipStats stats(long rounds, int peers) {
    return new GossipStats(rounds, intake.pulled.get(), intake.stored.get(), pushed.get(), intake.rejected.get(),
        intake.stale.get(), dropped.get(), failures.get(), peers, listed.get(), intake.deferred.get());
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

  /**
   * Queues a newly stored record for {@code fanout} peers drawn at random, never the one it is being pulled from,
   * and pushes where it can. Each node that stores it new does the same, so it spreads as a rumor, in a few hops and
   * with a few copies per node; a node the rumor missed gets it by its next pull.
   */
  void push(SignedRecord record, Iterable<Peer> peers, int fanout) {
    URI source = PullIntake.source();
    List<Peer> targets = new ArrayList<>();
    for (Peer peer : peers) {
      if (!peer.base.equals(source)) {
        targets.add(peer);
      }
    }
    if (targets.size() > fanout) {
      Collections.shuffle(targets, ThreadLocalRandom.current());
      targets = targets.subList(0, fanout);
    }
    for (Peer peer : targets) {
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
      if (peer.readsIndex(System.nanoTime())) {
        try {
          pullIndex(peer);
          succeeded(peer);
          return;
        } catch (IndexEntries.NoIndex e) {
          peer.noIndex(System.nanoTime() + NO_INDEX_RECHECK.toNanos());
          LOG.info("peer {} does not answer {} ({}): pulling its whole records with {} for {} min", peer,
              Methods.RECORD_INDEX, e.getMessage(), Methods.RECORDS, NO_INDEX_RECHECK.toMinutes());
        }
      }
      pullRecords(peer);
      succeeded(peer);
    } catch (PullIntake.QuotaReached e) {
      // Not the peer's failure: its records wait, behind the cursor, until its quota refills.
      intake.deferred.incrementAndGet();
      succeeded(peer);
      LOG.debug("learned peer {} brought its quota of new records; the rest waits", peer);
    } catch (JsonRpcClient.RpcError e) {
      failed(peer, "pull", new IOException("it answered a pull with an error: " + e.getMessage()));
    } catch (IOException e) {
      failed(peer, "pull", e);
    } catch (UncheckedIOException e) {
      failed(peer, "pull", e.getCause());
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

  /**
   * Reads the peer's log index from our cursor and fetches, page by page, only the records we do not hold, before
   * the cursor moves past them. Every fetched record is validated as any pulled one.
   *
   * @throws NoIndex when the peer does not answer {@code tandem_recordIndex} (an older node)
   */
  private void pullIndex(Peer peer) throws IOException, JsonRpcClient.RpcError, InterruptedException {
    Map<String, Registry.Entry> wanted = new LinkedHashMap<>();
    indexFollower.follow(cursors.position(peer.base),
        cursor -> {
          JsonNode answer;
          try {
            answer = client.call(peer.rpc, Methods.RECORD_INDEX, Methods.page(cursor, pageSize));
          } catch (JsonRpcClient.RpcError e) {
            if (e.code() == RpcErrors.METHOD_NOT_FOUND) {
              throw new IndexEntries.NoIndex("method not found");
            }
            throw e;
          }
          if (!answer.path("entries").isArray()) {
            throw new IndexEntries.NoIndex("its answer has no entries");
          }
          return answer;
        },
        json -> {
          listed.incrementAndGet();
          Registry.Entry entry = IndexEntries.entry(json);
          if (entry != null && !registry.holds(entry)) {
            wanted.putIfAbsent(entry.id(), entry);
          }
          return true;
        },
        (to, restart) -> {
          if (restart != null) {
            LOG.info("peer {} has {}; reading its index from the start", peer, restart);
          }
          // The records a page names are fetched before the cursor moves past them.
          fetch(peer, wanted);
          cursors.save(peer.base, to);
        },
        () -> !closed.getAsBoolean() && !peer.removed);
    fetch(peer, wanted); // named by a page whose next did not move
  }

  /** Fetches the wanted records from the peer with {@code tandem_getRecords}, in pages, and stores each. */
  private void fetch(Peer peer, Map<String, Registry.Entry> wanted) {
    if (wanted.isEmpty()) {
      return;
    }
    // Asked again now: a push, or a pull from another peer, may have brought some meanwhile.
    List<Registry.Entry> missing = wanted.values().stream().filter(e -> !registry.holds(e)).toList();
    wanted.clear();
    InFlight.Claim claim = inFlight.claim(missing);
    try {
      fetchIds(peer, claim.mine());
    } finally {
      claim.release();
    }
    try {
      // What another pull was fetching meanwhile: whatever it did not bring comes from this peer.
      fetchIds(peer, claim.awaitOthers().stream().filter(e -> !registry.holds(e)).map(Registry.Entry::id).toList());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
    }
  }

  private void fetchIds(Peer peer, List<String> ids) {
    int chunk = Math.min(pageSize, RegistryRpc.MAX_IDS);
    try {
      for (int from = 0; from < ids.size() && !closed.getAsBoolean() && !peer.removed; ) {
        List<String> asked = ids.subList(from, Math.min(ids.size(), from + (int) Math.min(chunk, intake.room(peer))));
        from += asked.size();
        JsonNode records = client.call(peer.rpc, Methods.GET_RECORDS, Methods.getRecords(asked)).path("records");
        if (!records.isArray()) {
          throw new IOException("its " + Methods.GET_RECORDS + " answer is not {records: [...]}");
        }
        // At most what was asked: a peer cannot make us check more records than we want. One it leaves out is
        // withheld, which it could do anyway; other peers have it.
        for (int i = 0; i < Math.min(records.size(), asked.size()); i++) {
          intake.accept(peer, records.get(i));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (JsonRpcClient.RpcError e) {
      throw new UncheckedIOException(new IOException("it answered " + Methods.GET_RECORDS + " with an error: "
          + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
    }
  }

  /** The whole records after our cursor, with {@code tandem_records}: for a peer that has no index. */
  private void pullRecords(Peer peer) throws IOException, JsonRpcClient.RpcError, InterruptedException {
    follower.follow(cursors.position(peer.base),
          cursor -> client.call(peer.rpc, Methods.RECORDS, Methods.page(cursor, pageSize)),
          json -> {
            intake.accept(peer, json);
            return true;
          },
          (to, restart) -> {
            if (restart != null) {
              LOG.info("peer {} has {}; pulling its records from the start", peer, restart);
            }
            cursors.save(peer.base, to);
          },
          () -> !closed.getAsBoolean() && !peer.removed);
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
