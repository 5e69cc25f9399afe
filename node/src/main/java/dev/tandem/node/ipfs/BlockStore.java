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
 */
public final class BlockStore implements Blocks.Source {
  private final Path dir;

  public BlockStore(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
  }

  /** Stores a block after checking that it hashes to {@code cid}. */
  public void put(Cid cid, byte[] block) throws IOException {
    Blocks.verify(cid, block);
    Path file = path(cid);
    if (!Files.exists(file)) {
      AtomicFiles.write(file, block);
    }
  }

  /** The block, checked; empty when absent or corrupted on disk. */
  @Override
  public Optional<byte[]> get(Cid cid) throws IOException {
    Path file = path(cid);
    byte[] block;
    try {
      block = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!Blocks.matches(cid, block)) {
      Files.deleteIfExists(file); // corrupted on disk: forget it, it will be fetched again
      return Optional.empty();
    }
    return Optional.of(block);
  }

  public boolean has(Cid cid) {
    return Files.exists(path(cid));
  }

  /**
   * Stores a whole file as the UnixFS DAGs Kubo makes of it, so that every CID {@code ipfs add} could print for it
   * resolves here: CIDv0, CIDv1 with dag-pb leaves, and CIDv1 with raw leaves (which share most blocks).
   *
   * @return the file's CIDs
   */
  public UnixFs.KuboCids putFile(byte[] data) throws IOException {
    Cid[] roots = new Cid[3];
    IOException[] failed = new IOException[1];
    int i = 0;
    for (var layout : new int[][] {{0, 0}, {1, 0}, {1, 1}}) {
      roots[i++] = UnixFs.dag(new java.io.ByteArrayInputStream(data), layout[0], layout[1] == 1, (cid, block) -> {
        try {
          put(cid, block);
        } catch (IOException e) {
          failed[0] = e;
        }
      });
      if (failed[0] != null) {
        throw failed[0];
      }
    }
    Cid raw = Cid.rawSha256(data);
    put(raw, data);
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
