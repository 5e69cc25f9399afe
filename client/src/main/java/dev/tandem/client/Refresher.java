package dev.tandem.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a client pulls records and evidence feeds from its bootstrap nodes. The first pull is made on the calling
 * thread, since a client knows no service before it. After that, a stale directory or feed is refreshed in the
 * background while calls go on with what the client knows: a bootstrap node that stalls, or a feed full of evidence
 * to re-run, must not hold every call. The background refresh runs on a virtual thread of its own, one at a time: a
 * caller that finds one running neither starts another nor waits for it. Closing stops it.
 *
 * <p>Thread-safe. Refreshes (records, then feeds) run one at a time, whoever starts them: an explicit
 * {@link #refresh} waits for the one in flight, then pulls.
 */
final class Refresher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Refresher.class);

  private final Directory directory;
  private final ConvictionFeed feed;
  private final Duration closeTimeout;
  /** Held for a whole refresh, and by no call once the first pull is made: refreshes run one at a time. */
  private final ReentrantLock refreshing = new ReentrantLock();
  /** Whether a background refresh is running (or about to): at most one is. */
  private final AtomicBoolean running = new AtomicBoolean();
  /** Whether the first pull reached a bootstrap node (or there is a registry): later ones go to the background. */
  private volatile boolean ready;
  /** The background refresh's thread, if one was started; guarded by this. */
  private Thread background;
  private boolean closed;

  /** @param closeTimeout how long {@link #close} waits for a background refresh to stop */
  Refresher(Directory directory, ConvictionFeed feed, Duration closeTimeout) {
    this.directory = directory;
    this.feed = feed;
    this.closeTimeout = closeTimeout;
  }

  /**
   * Makes sure the client has records and has read the feeds once (waiting for that first pull, made by this caller
   * or another), then starts a background refresh when the records or the feed are older than the refresh interval
   * and none is running. Only the first pull can throw.
   *
   * @throws NoServersException when no bootstrap node was ever reached
   */
  void freshen() {
    if (!ready) {
      // Callers that need the first pull wait for it; after waiting, each pulls only what is still due.
      refreshing.lock();
      try {
        directory.refreshIfStale();
        feed.pullIfStale();
      } finally {
        refreshing.unlock();
      }
      ready = directory.reached();
      return;
    }
    if ((directory.stale() || feed.stale()) && running.compareAndSet(false, true)) {
      synchronized (this) {
        if (closed) {
          running.set(false);
          return;
        }
        background = Thread.ofVirtual().name("tandem-refresh").start(this::refreshStale);
      }
    }
  }

  /** Records and feeds pulled now, after the refresh in flight if there is one. */
  void refresh() {
    refreshing.lock();
    try {
      directory.refresh();
      feed.pull();
    } finally {
      refreshing.unlock();
    }
  }

  private void refreshStale() {
    try {
      refreshing.lockInterruptibly();
      try {
        directory.refreshIfStale(); // each only if still due: an explicit refresh may have run meanwhile
        feed.pullIfStale();
      } finally {
        refreshing.unlock();
      }
    } catch (InterruptedException e) {
      // the client is closing
    } catch (RuntimeException e) {
      LOG.debug("background refresh failed: {}", e.toString()); // the next stale call tries again
    } finally {
      running.set(false);
    }
  }

  /**
   * Stops the background refresh, if one runs: no other starts, it is interrupted (its feed pull stops before the
   * next re-run), and it is waited for up to the close timeout, so that it does not store into scores being closed.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      closed = true;
      t = background;
    }
    feed.close();
    if (t == null) {
      return;
    }
    t.interrupt();
    try {
      if (!t.join(closeTimeout)) {
        LOG.debug("the background refresh did not stop within {}; it stores nothing more", closeTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
