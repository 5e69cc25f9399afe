package dev.tandem.node.modules;

import dev.tandem.core.cid.Cid;
import dev.tandem.node.ipfs.ContentFetcher;
import java.io.IOException;
import java.net.URI;
import java.util.Collection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
   * A data file by CID (a call's input): from the block store, or fetched from {@code sources} and then the
   * gateways, every block checked, at most {@code maxBytes}.
   */
  public byte[] fetchData(Cid cid, Collection<URI> sources, long maxBytes) throws IOException {
    java.util.LinkedHashSet<URI> all = new java.util.LinkedHashSet<>(sources);
    all.addAll(gateways.get());
    return content.fetch(cid, all, maxBytes);
  }

  /** Stores bytes this node computed itself (a metered module) under their CID, so its gateway serves them. */
  public void keep(Cid cid, byte[] bytes) throws IOException {
    if (!store.has(cid)) {
      store.put(cid, bytes);
    }
  }

  /**
   * Returns the module, from the store or fetched from {@code sources} (node base URLs) and then the gateways.
   *
   * @throws IOException listing why each source failed when none gave the right bytes
   */
  public byte[] fetch(Cid cid, Collection<URI> sources) throws IOException {
    Fetched fetched = fetchUnstored(cid, sources);
    store(fetched);
    return fetched.bytes();
  }

  /**
   * As {@link #fetch(Cid, Collection)}, without storing what was fetched: the caller runs the (checked) module first
   * and {@link #store}s it afterwards, so that writing the module and its DAGs to disk (a dozen synced files) is not
   * on the way to its first answer.
   */
  public Fetched fetchUnstored(Cid cid, Collection<URI> sources) throws IOException {
    var local = store.get(cid);
    if (local.isPresent()) {
      return new Fetched(local.get(), List.of(), true);
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
   * @param stored whether it was read from the module store, so there is nothing to store
   */
  public record Fetched(byte[] bytes, List<Map.Entry<Cid, byte[]>> blocks, boolean stored) {
    /** Whether it came over the network. */
    public boolean overNetwork() {
      return !blocks.isEmpty();
    }
  }
}
