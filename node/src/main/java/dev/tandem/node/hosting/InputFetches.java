package dev.tandem.node.hosting;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.CidFormatException;
import dev.tandem.core.rpc.Transport;
import dev.tandem.node.modules.ModuleFetcher;
import dev.tandem.sandbox.Inputs;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the inputs calls name by CID, within bounds a stranger's calls cannot stretch. A call costs nothing to send,
 * and one that names a CID nobody has would otherwise hold a request thread and a call permit while every source is
 * asked in turn, each given its full timeout. So inputs this node holds are read at once; fetching the others takes
 * one of a few slots (a call that finds none free is answered overloaded at once); all of a call's inputs must arrive
 * within one deadline; and a CID that no source had is not asked for again for a minute. What is fetched goes to the
 * block store's bounded cache, never to the blocks kept for good.
 */
final class InputFetches {
  private static final Logger LOG = LoggerFactory.getLogger(InputFetches.class);

  private final ModuleFetcher fetcher;
  private final int slots;
  private final Semaphore free;
  private final Duration time;
  private final Misses missing = new Misses("input");
  private final ExecutorService threads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tandem-inputs-", 0).factory());

  /**
   * @param slots how many calls may be fetching inputs at once
   * @param time  how long a call's inputs may take to arrive, plus the download time of what the service allows
   */
  InputFetches(ModuleFetcher fetcher, int slots, Duration time) {
    if (slots < 1 || time.isNegative() || time.isZero()) {
      throw new IllegalArgumentException("--input-fetches and --input-fetch-ms must be at least 1");
    }
    this.fetcher = fetcher;
    this.slots = slots;
    this.free = new Semaphore(slots);
    this.time = time;
  }

  /** No slot was free: the node is fetching as many calls' inputs as it allows. */
  static final class BusyException extends IOException {
    BusyException(String message) {
      super(message);
    }
  }

  /**
   * The inputs {@code links} name, at most {@code maxBytes} together, from this node's blocks or fetched from
   * {@code sources} (asked only when something must be fetched).
   *
   * @throws IllegalArgumentException when a link names no file, or the inputs here are over the limit
   * @throws BusyException when inputs must be fetched and no slot is free
   * @throws IOException when an input cannot be fetched in time
   */
  Inputs fetch(long maxBytes, List<Cid> links, Supplier<List<URI>> sources) throws IOException {
    byte[][] got = new byte[links.size()][];
    List<Integer> absent = new ArrayList<>();
    long budget = maxBytes;
    for (int i = 0; i < links.size(); i++) {
      Optional<byte[]> here;
      try {
        here = fetcher.localData(links.get(i), budget);
      } catch (CidFormatException e) {
        throw new IllegalArgumentException("input " + links.get(i) + ": " + e.getMessage());
      }
      if (here.isPresent()) {
        got[i] = here.get();
        budget -= got[i].length;
      } else {
        absent.add(i);
      }
    }
    if (!absent.isEmpty()) {
      fetchAbsent(links, absent, got, budget, sources);
    }
    return Inputs.of(Arrays.asList(got));
  }

  private void fetchAbsent(List<Cid> links, List<Integer> absent, byte[][] got, long budget,
      Supplier<List<URI>> sources) throws IOException {
    for (int i : absent) {
      missing.refuseIfMissing(links.get(i));
    }
    if (!free.tryAcquire()) {
      throw new BusyException("overloaded: this node is fetching the inputs of " + slots + " calls already; try "
          + "another node, or later");
    }
    try {
      Duration within = Transport.downloadTime(time, budget);
      // Each source gets a third of the time to begin its answer: one that stalls cannot use up the whole deadline.
      Duration perSource = time.dividedBy(3).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
          : time.dividedBy(3);
      // The sources are listed inside the deadline too: listing them checks the peer policy, which may look names up.
      Future<List<Fetched>> task = threads.submit(() -> download(links, absent, budget, sources.get(), perSource));
      List<Fetched> fetched;
      try {
        fetched = task.get(within.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        task.cancel(true); // interrupted, its downloads hang up
        throw new IOException("inputs not fetched within " + within.toMillis() + " ms");
      } catch (InterruptedException e) {
        task.cancel(true);
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching inputs");
      } catch (ExecutionException e) {
        throw rethrown(e.getCause());
      }
      for (Fetched f : fetched) {
        got[f.index()] = f.bytes();
        cache(f);
      }
    } finally {
      free.release();
    }
  }

  /** One fetched input: its place among the call's links, its bytes and the checked blocks it came in. */
  private record Fetched(int index, byte[] bytes, List<Map.Entry<Cid, byte[]>> blocks) {}

  private List<Fetched> download(List<Cid> links, List<Integer> absent, long budget, List<URI> from,
      Duration perSource) throws IOException {
    List<Fetched> out = new ArrayList<>();
    long left = budget;
    for (int i : absent) {
      Cid cid = links.get(i);
      List<Map.Entry<Cid, byte[]>> blocks = new ArrayList<>();
      byte[] bytes;
      try {
        bytes = fetcher.fetchData(cid, from, left, perSource, (c, b) -> blocks.add(Map.entry(c, b)));
      } catch (IOException e) {
        if (!Thread.currentThread().isInterrupted()) { // every source was asked, and none had it
          missing.remember(cid);
        }
        throw new IOException("input " + cid + ": " + e.getMessage(), e);
      }
      left -= bytes.length;
      out.add(new Fetched(i, bytes, blocks));
    }
    return out;
  }

  /** Cached on the caller's thread, never interrupted: the input is in hand; a failed write only costs a refetch. */
  private void cache(Fetched f) {
    try {
      for (Map.Entry<Cid, byte[]> b : f.blocks()) {
        fetcher.cache(b.getKey(), b.getValue());
      }
    } catch (IOException e) {
      LOG.warn("an input's blocks could not be cached: {}", e.toString());
    }
  }

  private static IOException rethrown(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    return new IOException(String.valueOf(cause), cause);
  }
}
