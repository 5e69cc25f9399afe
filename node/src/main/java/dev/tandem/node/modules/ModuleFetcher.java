package dev.tandem.node.modules;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.rpc.GatewayFetch;
import dev.tandem.node.ipfs.ContentFetcher;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Fetches modules the store lacks: from the given sources (other nodes), then from the configured IPFS gateways,
 * all of them spoken to as trustless gateways, every block checked against its CID before anything is stored.
 */
public final class ModuleFetcher {
  private final ModuleStore store;
  private final ContentFetcher content;
  private final Supplier<List<URI>> gateways;

  /**
   * @param gateways IPFS gateways tried after the sources a caller names
   */
  public ModuleFetcher(ModuleStore store, ContentFetcher content, Supplier<List<URI>> gateways) {
    this.store = store;
    this.content = content;
    this.gateways = gateways;
  }

  /**
   * A data file by CID (a call's input) this node holds, kept or cached, at most {@code maxBytes}; empty when a block
   * of it is missing.
   */
  public Optional<byte[]> localData(Cid cid, long maxBytes) throws IOException {
    try {
      return Optional.of(content.blocks().readFile(cid, maxBytes));
    } catch (Blocks.MissingBlockException e) {
      return Optional.empty();
    }
  }

  /**
   * A data file by CID fetched from {@code sources} and then the gateways, every block checked, at most
   * {@code maxBytes}; each source gets {@code timeout} for its answer to begin. The checked blocks go to {@code keep}
   * once the file is whole.
   */
  public byte[] fetchData(Cid cid, Collection<URI> sources, long maxBytes, Duration timeout, GatewayFetch.Keep keep)
      throws IOException {
    java.util.LinkedHashSet<URI> all = new java.util.LinkedHashSet<>(sources);
    all.addAll(gateways.get());
    return content.download(cid, all, maxBytes, timeout, keep);
  }

  /** Caches a block of a data file this node fetched (a call's input), so the next call finds it here. */
  public void cache(Cid cid, byte[] block) throws IOException {
    content.blocks().cache(cid, block);
  }

  /** Stores bytes this node computed itself (a metered module) under their CID, so its gateway serves them. */
  public void keep(Cid cid, byte[] bytes) throws IOException {
    if (!store.has(cid)) {
      store.put(cid, bytes);
    }
  }

  /** The module if this node holds it, kept or cached, checked; nothing is fetched. */
  public Optional<byte[]> local(Cid cid) throws IOException {
    return store.get(cid);
  }

  /**
   * Returns the module, from the store or fetched from {@code sources} (node base URLs) and then the gateways; what
   * was fetched is cached ({@link ModuleStore#cache}), not kept: any registered service can be named by evidence.
   *
   * @throws IOException listing why each source failed when none gave the right bytes
   */
  public byte[] fetch(Cid cid, Collection<URI> sources) throws IOException {
    Fetched fetched = fetchUnstored(cid, sources);
    for (Map.Entry<Cid, byte[]> b : fetched.blocks()) {
      content.blocks().cache(b.getKey(), b.getValue());
    }
    return fetched.bytes();
  }

  /**
   * As {@link #fetch(Cid, Collection)}, without storing what was fetched: the caller runs the (checked) module first
   * and {@link #store}s it afterwards, so that writing the module and its DAGs to disk (a dozen synced files) is not
   * on the way to its first answer.
   */
  public Fetched fetchUnstored(Cid cid, Collection<URI> sources) throws IOException {
    var local = store.get(cid);
    if (local.isPresent()) { // a cached module is kept once it is stored
      return new Fetched(local.get(), List.of(), store.has(Cid.rawSha256(local.get())));
    }
    java.util.LinkedHashSet<URI> all = new java.util.LinkedHashSet<>(sources);
    all.addAll(gateways.get());
    List<Map.Entry<Cid, byte[]>> blocks = new ArrayList<>();
    byte[] bytes = content.fetch(cid, all, ModuleStore.MAX_MODULE_BYTES, (c, b) -> blocks.add(Map.entry(c, b)));
    return new Fetched(bytes, List.copyOf(blocks), false);
  }

  /** Stores a module {@link #fetchUnstored} fetched: the blocks of its DAG as fetched, and the file. */
  public void store(Fetched fetched) throws IOException {
    if (fetched.stored()) {
      return;
    }
    for (Map.Entry<Cid, byte[]> b : fetched.blocks()) {
      content.blocks().put(b.getKey(), b.getValue());
    }
    store.put(Cid.rawSha256(fetched.bytes()), fetched.bytes()); // its DAG's blocks are stored, whatever its layout
  }

  /**
   * A module's bytes, checked against its CID, and the checked blocks it came in when it was fetched over the
   * network (none when it was read from this node's blocks).
   *
   * @param stored whether it was read from the kept modules, so there is nothing to store
   */
  public record Fetched(byte[] bytes, List<Map.Entry<Cid, byte[]>> blocks, boolean stored) {
    /** Whether it came over the network. */
    public boolean overNetwork() {
      return !blocks.isEmpty();
    }
  }
}
