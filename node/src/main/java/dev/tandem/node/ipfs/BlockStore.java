package dev.tandem.node.ipfs;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.node.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;

/**
 * IPFS blocks under {@code DATA/blocks/}, one file per block, named by the hex of its sha2-256 digest: a CIDv0 and
 * a CIDv1 of the same bytes name one file, whatever codec they claim, as in Kubo's blockstore. Every block is
 * checked against its CID when it is put and again when it is read; a file that fails is deleted.
 *
 * <p>Blocks are kept for good ({@link #put}: the modules of services this node offers, files its operator added) or
 * cached ({@link #cache}: what strangers' calls, evidence and records brought, under {@code DATA/cache/} within a byte
 * budget, oldest evicted first). Reads see both.
 */
public final class BlockStore implements Blocks.Source {
  /** The cache's budget when none is given: {@code --cache-mb}'s default. */
  public static final long DEFAULT_CACHE_BYTES = 2048L << 20;
  private final Path dir;
  private final BlockCache cache;

  /** A store under {@code dir}, its cache in {@code dir/cache/} with the default budget. */
  public BlockStore(Path dir) throws IOException {
    this(dir, dir.resolve("cache"), DEFAULT_CACHE_BYTES);
  }

  /** A store under {@code dir} that caches at most {@code cacheBytes} of blocks under {@code cacheDir}. */
  public BlockStore(Path dir, Path cacheDir, long cacheBytes) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    this.cache = new BlockCache(cacheDir, cacheBytes);
  }

  /** Caches a block after checking that it hashes to {@code cid}, unless it is kept already. */
  public void cache(Cid cid, byte[] block) throws IOException {
    if (!Files.exists(path(cid))) {
      cache.put(cid, block);
    }
  }

  /** The bytes the cache holds now. */
  public long cachedBytes() {
    return cache.bytes();
  }

  /** Stores a block for good after checking that it hashes to {@code cid}. */
  public void put(Cid cid, byte[] block) throws IOException {
    Blocks.verify(cid, block);
    Path file = path(cid);
    if (!Files.exists(file)) {
      AtomicFiles.write(file, block);
    }
  }

  /** The block, kept or cached, checked; empty when absent or corrupted on disk. */
  @Override
  public Optional<byte[]> get(Cid cid) throws IOException {
    Path file = path(cid);
    byte[] block;
    try {
      block = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return cache.get(cid);
    }
    if (!Blocks.matches(cid, block)) {
      Files.deleteIfExists(file); // corrupted on disk: forget it, it will be fetched again
      return Optional.empty();
    }
    return Optional.of(block);
  }

  /** Whether the block is here, kept or cached. */
  public boolean has(Cid cid) {
    return Files.exists(path(cid)) || cache.has(cid);
  }

  /**
   * Stores a whole file as the UnixFS DAGs Kubo makes of it, so that every CID {@code ipfs add} could print for it
   * resolves here: CIDv0, CIDv1 with dag-pb leaves, and CIDv1 with raw leaves (which share most blocks).
   *
   * @return the file's CIDs
   */
  public UnixFs.KuboCids putFile(byte[] data) throws IOException {
    return putFile(data, this::put);
  }

  /** As {@link #putFile}, into the cache. */
  public UnixFs.KuboCids cacheFile(byte[] data) throws IOException {
    return putFile(data, this::cache);
  }

  /** Where a block goes. */
  @FunctionalInterface
  private interface Put {
    void put(Cid cid, byte[] block) throws IOException;
  }

  private UnixFs.KuboCids putFile(byte[] data, Put to) throws IOException {
    Cid[] roots = new Cid[3];
    IOException[] failed = new IOException[1];
    int i = 0;
    for (var layout : new int[][] {{0, 0}, {1, 0}, {1, 1}}) {
      roots[i++] = UnixFs.dag(new java.io.ByteArrayInputStream(data), layout[0], layout[1] == 1, (cid, block) -> {
        try {
          to.put(cid, block);
        } catch (IOException e) {
          failed[0] = e;
        }
      });
      if (failed[0] != null) {
        throw failed[0];
      }
    }
    Cid raw = Cid.rawSha256(data);
    to.put(raw, data);
    return new UnixFs.KuboCids(raw, roots[0], roots[1], roots[2]);
  }

  /** Streams the file {@code root} names, every block checked; see {@link Blocks#readFile}. */
  public byte[] readFile(Cid root, long maxBytes) throws IOException {
    var out = new java.io.ByteArrayOutputStream();
    Blocks.readFile(root, this, out, maxBytes);
    return out.toByteArray();
  }

  private Path path(Cid cid) {
    return dir.resolve(HexFormat.of().formatHex(cid.digest())); // only hex: no request reaches outside the store
  }
}
