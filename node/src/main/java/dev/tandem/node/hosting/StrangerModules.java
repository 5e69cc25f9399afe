package dev.tandem.node.hosting;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.modules.ModuleFetcher;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.ModuleShape;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Loads the modules of services this node does not offer, which evidence names. Any key can register a service and
 * report a conflict of it, and loading a module of 8 MB of code costs seconds of CPU and up to a gigabyte of heap
 * ({@link ModuleShape}). So here:
 * <ul>
 *   <li>at most {@value #FETCHES} modules are fetched at once (past that a fetch fails at once, and the evidence is
 *       judged later), and a module no source had is not asked for again for a minute;</li>
 *   <li>one module loads at a time, and a load that cannot start within {@value #WAIT_SECONDS} s fails (the evidence
 *       is judged later);</li>
 *   <li>the heap a load may take is reserved from the calls' budget ({@code --call-memory-mb}) while it runs, and a
 *       module that needs more than the whole budget is not loaded on this node;</li>
 *   <li>modules are compiled at once on a sandbox of their own, so they never wait in, nor delay, the compile queue of
 *       the services offered here, and its cache holds only {@value #CACHE_MB} MB of them;</li>
 *   <li>a module found unfit is remembered (by CID: its bytes never change), so evidence naming it again costs
 *       nothing.</li>
 * </ul>
 * Evidence charges the time a load took to whoever brought the evidence, with the rest of its re-run; the time it
 * waited for the load slot or for memory is counted as {@link WaitTime} and not charged.
 */
final class StrangerModules implements AutoCloseable {
  static final int FETCHES = 4;
  static final int WAIT_SECONDS = 2;
  /** Metered bytes of strangers' modules kept compiled (a loaded module keeps 35 to 40 times its metered size). */
  static final int CACHE_MB = 4;

  /** Rejected modules remembered. */
  static final int REJECTIONS = 1024;

  private final ModuleFetcher fetcher;
  private final CallMemory memory;
  private final Semaphore fetching = new Semaphore(FETCHES);
  private final Misses missing = new Misses("module");
  private final Semaphore loading = new Semaphore(1);
  private volatile Sandbox sandbox; // made on the first load: most nodes never judge a stranger's module
  private final Map<String, ModuleRejectedException> rejected = new LinkedHashMap<>(16, 0.75f,
      true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ModuleRejectedException> eldest) {
      return size() > REJECTIONS;
    }
  };

  StrangerModules(ModuleFetcher fetcher, CallMemory memory) {
    this.fetcher = fetcher;
    this.memory = memory;
  }

  /** The module of {@code rec}, from this node's blocks or fetched from {@code sources}, loaded. */
  ServiceModule module(ServiceRecord rec, Supplier<List<URI>> sources) throws IOException, ModuleRejectedException {
    Cid cid = rec.module();
    byte[] wasm = fetcher.local(cid).orElse(null);
    if (wasm == null) {
      missing.refuseIfMissing(cid);
      if (!fetching.tryAcquire()) {
        throw new IOException("module " + cid + " not here, and " + FETCHES + " modules are being fetched for "
            + "evidence already");
      }
      try {
        wasm = fetcher.fetch(cid, sources.get());
      } catch (IOException e) {
        if (!Thread.currentThread().isInterrupted()) {
          missing.remember(cid);
        }
        throw e;
      } finally {
        fetching.release();
      }
    }
    return load(rec, wasm);
  }

  ServiceModule load(ServiceRecord rec, byte[] wasm) throws IOException, ModuleRejectedException {
    String cid = rec.module().toString();
    Abi abi = Abi.parse(rec.abi());
    String key = cid + " " + abi.id();
    synchronized (rejected) {
      ModuleRejectedException known = rejected.get(key);
      if (known != null) {
        throw known;
      }
    }
    Sandbox sandbox = sandbox();
    if (sandbox.hasLoaded(cid, abi)) {
      return sandbox.load(cid, wasm, abi).withName(rec.name());
    }
    long heap = ModuleShape.of(wasm).loadHeapBytes();
    try {
      long waiting = System.nanoTime();
      boolean acquired = loading.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS);
      WaitTime.since(waiting);
      if (!acquired) {
        throw new IOException("another module is being loaded for evidence; judged later");
      }
      try {
        if (!memory.reserveBytes(heap, Duration.ofSeconds(WAIT_SECONDS))) {
          throw new IOException("module " + cid + " may take " + (heap >> 20) + " MB of heap to load, more than is "
              + "free of the " + memory.megabytes() + " MB this node gives calls (--call-memory-mb)");
        }
        try {
          return sandbox.load(cid, wasm, abi).withName(rec.name());
        } catch (ModuleRejectedException e) {
          synchronized (rejected) {
            rejected.put(key, e);
          }
          throw e;
        } finally {
          memory.releaseBytes(heap);
        }
      } finally {
        loading.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to load module " + cid);
    }
  }

  private synchronized Sandbox sandbox() {
    if (sandbox == null) {
      sandbox = Sandbox.builder().threads(1).cacheMaxBytes((long) CACHE_MB << 20).build();
    }
    return sandbox;
  }

  @Override
  public synchronized void close() {
    if (sandbox != null) {
      sandbox.close();
    }
  }
}
