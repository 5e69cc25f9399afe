package dev.tandem.sandbox;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loaded modules by (CID, ABI), least recently used first out, bounded by the total size of the metered modules.
 * Compiling takes hundreds of milliseconds, so concurrent loads of the same module wait for one compilation
 * instead of each doing their own.
 */
final class ModuleCache {
  record Key(String cid, Abi abi) {}

  interface Loader {
    LoadedModule load() throws ModuleRejectedException;
  }

  private final long maxBytes;
  private final LinkedHashMap<Key, LoadedModule> entries = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<Key, CompletableFuture<LoadedModule>> loading = new ConcurrentHashMap<>();
  private long bytes;

  ModuleCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * The cached module for {@code key}, or the one {@code loader} makes (then cached).
   *
   * @throws IllegalArgumentException when the CID is cached for bytes with another digest: a CID names exactly one
   *     module, so this is the caller's bug (or an attempt to swap a module under a known CID)
   */
  LoadedModule get(Key key, byte[] sha256, Loader loader) throws ModuleRejectedException {
    LoadedModule cached;
    synchronized (this) {
      cached = entries.get(key);
    }
    if (cached != null) {
      return checked(cached, sha256);
    }
    CompletableFuture<LoadedModule> mine = new CompletableFuture<>();
    CompletableFuture<LoadedModule> theirs = loading.putIfAbsent(key, mine);
    if (theirs != null) {
      try {
        return checked(theirs.join(), sha256);
      } catch (CompletionException e) {
        if (e.getCause() instanceof ModuleRejectedException rejected) {
          throw new ModuleRejectedException(rejected.report());
        }
        throw e;
      }
    }
    try {
      LoadedModule loaded = loader.load();
      put(key, loaded);
      mine.complete(loaded);
      return loaded;
    } catch (ModuleRejectedException | RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      loading.remove(key);
    }
  }

  private synchronized void put(Key key, LoadedModule module) {
    if (module.weight() > maxBytes) {
      return; // larger than the whole cache: used by this caller, not kept
    }
    LoadedModule previous = entries.put(key, module);
    if (previous != null) {
      bytes -= previous.weight();
    }
    bytes += module.weight();
    for (Iterator<LoadedModule> it = entries.values().iterator(); bytes > maxBytes && it.hasNext(); ) {
      LoadedModule eldest = it.next();
      bytes -= eldest.weight();
      it.remove();
    }
  }

  private static LoadedModule checked(LoadedModule module, byte[] sha256) {
    if (!Arrays.equals(module.sha256(), sha256)) {
      throw new IllegalArgumentException("CID " + module.cid() + " is already loaded with different bytes");
    }
    return module;
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized boolean contains(Key key) {
    return entries.containsKey(key);
  }
}
