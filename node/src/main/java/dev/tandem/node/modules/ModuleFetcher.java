package dev.tandem.node.modules;

import dev.tandem.core.cid.Cid;
import dev.tandem.node.ipfs.ContentFetcher;
import java.io.IOException;
import java.net.URI;
import java.util.Collection;
import java.util.List;
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
    var local = store.get(cid);
    if (local.isPresent()) {
      return local.get();
    }
    java.util.LinkedHashSet<URI> all = new java.util.LinkedHashSet<>(sources);
    all.addAll(gateways.get());
    byte[] bytes = content.fetch(cid, all, ModuleStore.MAX_MODULE_BYTES);
    store.put(Cid.rawSha256(bytes), bytes); // its DAG's blocks are stored already, whatever its layout
    return bytes;
  }
}
