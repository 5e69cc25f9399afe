package dev.tandem.registry.evm;

import dev.tandem.core.record.SignedRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the registry contracts' events into a {@link ChainState}: reads the blocks up to the chain's head in
 * ranges of at most {@link #MAX_LOG_RANGE}, applies their events in chain order, then tells the listeners what was
 * stored or ignored. A background poller repeats this every poll interval; an outage of the Ethereum node is logged
 * once when it starts and once when it ends, and reads are served from what was applied meanwhile.
 */
final class ChainFollower {
  /** Largest block range asked of {@code eth_getLogs} at once: public nodes refuse much larger ones. */
  static final long MAX_LOG_RANGE = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(EvmRegistry.class);

  private final EvmDeployment deployment;
  private final EthRpc rpc;
  private final ChainState state;
  private final ReentrantLock syncLock = new ReentrantLock();
  private final List<Consumer<SignedRecord>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<IgnoredRecord>> ignoredListeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService poller;
  /** The last block whose events are applied. */
  private volatile long synced;
  private volatile Thread pollerThread;
  private volatile boolean failing;
  private volatile boolean closed;

  /** A follower that has applied nothing yet: its first sync starts at {@code fromBlock}. */
  ChainFollower(EvmDeployment deployment, EthRpc rpc, ChainState state, long fromBlock) {
    this.deployment = deployment;
    this.rpc = rpc;
    this.state = state;
    this.synced = fromBlock - 1;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "evm-registry-" + deployment.serverRegistry().substring(0, 10));
      t.setDaemon(true);
      pollerThread = t;
      return t;
    });
  }

  /** Starts polling for new blocks every {@code interval}. */
  void start(Duration interval) {
    long every = interval.toMillis();
    poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
  }

  /** The last block whose events are applied. */
  long synced() {
    return synced;
  }

  void onStored(Consumer<SignedRecord> listener) {
    listeners.add(listener);
  }

  void onIgnored(Consumer<IgnoredRecord> listener) {
    ignoredListeners.add(listener);
  }

  private void poll() {
    if (closed) {
      return;
    }
    try {
      long head = rpc.blockNumber();
      if (head > synced) {
        syncTo(head);
      }
      if (failing) {
        failing = false;
        LOG.info("the Ethereum node at {} answers again; registry synced to block {}", deployment.rpc(), synced);
      }
    } catch (RuntimeException e) {
      if (closed) {
        return;
      }
      if (!failing) {
        failing = true; // one WARN per outage, not one every poll
        LOG.warn("following the registry at {} failed; serving what was read up to block {} and retrying: {}",
            deployment, synced, e.getMessage());
      } else {
        LOG.debug("still failing: {}", e.getMessage());
      }
    }
  }

  /**
   * Applies the events of every block up to {@code target}. Listeners are called on this thread, in chain order,
   * after the view includes the records they are given.
   */
  void syncTo(long target) {
    syncLock.lock();
    try {
      List<String> addresses = List.of(deployment.serviceRegistry(), deployment.serverRegistry());
      while (synced < target) {
        long from = synced + 1;
        long to = Math.min(target, from + MAX_LOG_RANGE - 1);
        List<ChainState.Outcome> outcomes = apply(rpc.logs(from, to, addresses));
        synced = to;
        for (ChainState.Outcome outcome : outcomes) {
          switch (outcome) {
            case ChainState.Stored s -> notify(listeners, s.record());
            case ChainState.Ignored i -> notify(ignoredListeners, i.why());
            case ChainState.Other o -> { }
          }
        }
      }
    } finally {
      syncLock.unlock();
    }
  }

  /** Decodes and applies one range's logs in chain order; a log that does not decode is skipped with a WARN. */
  private List<ChainState.Outcome> apply(List<EthRpc.Log> range) {
    List<EthRpc.Log> logs = new ArrayList<>(range);
    logs.sort(Comparator.comparingLong(EthRpc.Log::blockNumber).thenComparingInt(EthRpc.Log::logIndex));
    List<ChainState.Outcome> outcomes = new ArrayList<>();
    for (EthRpc.Log log : logs) {
      if (log.removed()) {
        continue;
      }
      boolean fromServiceRegistry = log.address().equalsIgnoreCase(deployment.serviceRegistry());
      Optional<ChainEvent> event;
      try {
        event = ChainEvent.decode(log, fromServiceRegistry);
      } catch (RuntimeException e) {
        LOG.warn("skipping an undecodable log of {} (block {}, log {}, tx {}): {}", log.address(),
            log.blockNumber(), log.logIndex(), log.txHash(), e.toString());
        continue;
      }
      event.ifPresent(e -> outcomes.add(state.apply(e)));
    }
    return outcomes;
  }

  private static <T> void notify(List<Consumer<T>> to, T what) {
    for (Consumer<T> listener : to) {
      try {
        listener.accept(what);
      } catch (RuntimeException e) {
        LOG.warn("a registry listener failed on {}: {}", what, e.toString(), e);
      }
    }
  }

  /** Stops the poller, waiting for a sync under way unless called from the poller itself (by a listener). */
  void close() {
    closed = true;
    poller.shutdownNow();
    try {
      if (Thread.currentThread() != pollerThread && !poller.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("the registry's poller for {} did not stop within 5 s", deployment);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
