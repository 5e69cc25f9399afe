package dev.tandem.node.modules;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.node.store.AtomicFiles;
import dev.tandem.node.ipfs.BlockStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Content-addressed module files under {@code DATA/modules/}, one file per CID. The hash is checked when a module is
 * put and again on every read, so a corrupted or swapped file is never run or served. File names come only from
 * parsed CIDs, so no request can reach a path outside the store.
 */
public final class ModuleStore {
  /** Largest module accepted. */
  public static final int MAX_MODULE_BYTES = 16 << 20;
  private final Path dir;
  private final BlockStore blocks;

  /** A store of modules under {@code dir}; their UnixFS DAGs go to {@code blocks}, so the gateway serves them. */
  public ModuleStore(Path dir, BlockStore blocks) throws IOException {
    this.dir = dir;
    this.blocks = blocks;
    Files.createDirectories(dir);
  }

  /** The block store modules' DAGs live in. */
  public BlockStore blocks() {
    return blocks;
  }

  /**
   * Stores {@code bytes} under {@code cid} after checking that they hash to it, with the Kubo DAGs of the file so
   * that its {@code Qm…} and {@code bafy…} CIDs resolve too.
   */
  public void put(Cid cid, byte[] bytes) throws IOException {
    check(cid, bytes);
    Path file = path(Cid.rawSha256(bytes));
    if (!Files.exists(file)) {
      AtomicFiles.write(file, bytes);
    }
    blocks.putFile(bytes);
  }

  /**
   * Caches {@code bytes} under {@code cid} after checking that they hash to it: in the block store's bounded cache
   * ({@link BlockStore#cache}), as the Kubo DAGs of the file. For modules a stranger brought (submitted with a record,
   * fetched to judge evidence): they are served and read like kept ones until the cache evicts them.
   */
  public void cache(Cid cid, byte[] bytes) throws IOException {
    check(cid, bytes);
    blocks.cacheFile(bytes);
  }

  /**
   * The module's bytes, kept or cached, checked against the CID; empty when absent. A file that fails the check is
   * deleted. A dag-pb CID is read from the block store, whichever layout its DAG has, every block checked.
   */
  public Optional<byte[]> get(Cid cid) throws IOException {
    if (!cid.isRaw()) {
      return fromBlocks(cid);
    }
    Path file = path(cid);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return fromBlocks(cid); // cached, or only its blocks kept
    }
    try {
      check(cid, bytes);
    } catch (ModuleMismatchException e) {
      Files.deleteIfExists(file); // corrupted on disk: forget it, it will be fetched again
      return Optional.empty();
    }
    return Optional.of(bytes);
  }

  private Optional<byte[]> fromBlocks(Cid cid) throws IOException {
    try {
      return Optional.of(blocks.readFile(cid, MAX_MODULE_BYTES));
    } catch (Blocks.MissingBlockException e) {
      return Optional.empty();
    }
  }

  /** Whether the module is kept here (its raw CID: cached modules are not). */
  public boolean has(Cid cid) {
    return Files.exists(path(cid));
  }

  private Path path(Cid cid) {
    return dir.resolve(cid.toString()); // a CID's text is base32/base58: no '/', no '..'
  }

  /** Checks that {@code bytes} are what {@code cid} names: raw sha2-256, or one of Kubo's UnixFS DAGs for dag-pb. */
  public static void check(Cid cid, byte[] bytes) {
    if (bytes.length > MAX_MODULE_BYTES) {
      throw new ModuleMismatchException("module " + cid + " is " + bytes.length + " bytes, the limit is "
          + MAX_MODULE_BYTES);
    }
    if (cid.isRaw()) {
      Cid actual = Cid.rawSha256(bytes);
      if (!actual.equals(cid)) {
        throw new ModuleMismatchException("module bytes hash to " + actual + ", not to " + cid);
      }
      return;
    }
    UnixFs.KuboCids kubo;
    try {
      kubo = UnixFs.kuboCids(new java.io.ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new AssertionError("a ByteArrayInputStream does not fail", e);
    }
    if (!kubo.contains(cid)) {
      throw new ModuleMismatchException("module bytes hash to " + kubo.v0() + " / " + kubo.v1RawLeaves() + ", not to "
          + cid);
    }
  }

  /** The bytes do not match the CID they were offered under. */
  public static final class ModuleMismatchException extends IllegalArgumentException {
    public ModuleMismatchException(String message) {
      super(message);
    }
  }
}
