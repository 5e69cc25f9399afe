package dev.tandem.node.ipfs;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Cid;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Blocks a node holds for others, within a byte budget: the inputs calls named, modules fetched to judge evidence,
 * modules submitted with records. Strangers choose what lands here, and keys and CIDs cost nothing, so nothing here is
 * kept for good: past the budget the oldest blocks are deleted until a quarter of it is free. A block is checked
 * against its CID when read, as in the {@link BlockStore}; writes are not synced (a torn block fails that check and is
 * fetched again).
 */
final class BlockCache {
  private static final Pattern NAME = Pattern.compile("[0-9a-f]{64}");
  private final Path dir;
  private final long maxBytes;
  private final AtomicLong bytes = new AtomicLong();
  private final Object evicting = new Object();

  BlockCache(Path dir, long maxBytes) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    Files.createDirectories(dir);
    long total = 0;
    for (Path file : files()) {
      if (NAME.matcher(file.getFileName().toString()).matches()) {
        total += Files.size(file);
      } else {
        Files.deleteIfExists(file); // a write cut short by a crash
      }
    }
    bytes.set(total);
  }

  void put(Cid cid, byte[] block) throws IOException {
    Blocks.verify(cid, block);
    if (block.length > maxBytes) {
      return; // a budget of 0 keeps nothing
    }
    Path file = path(cid);
    if (Files.exists(file)) {
      return;
    }
    Path tmp = Files.createTempFile(dir, ".", ".tmp");
    try {
      Files.write(tmp, block);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (bytes.addAndGet(block.length) > maxBytes) {
      evict();
    }
  }

  Optional<byte[]> get(Cid cid) throws IOException {
    Path file = path(cid);
    byte[] block;
    try {
      block = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!Blocks.matches(cid, block)) {
      Files.deleteIfExists(file);
      return Optional.empty();
    }
    return Optional.of(block);
  }

  boolean has(Cid cid) {
    return Files.exists(path(cid));
  }

  /** The bytes held now. */
  long bytes() {
    return bytes.get();
  }

  /** Deletes the oldest blocks until three quarters of the budget are used: one scan pays for many writes. */
  private void evict() throws IOException {
    synchronized (evicting) {
      if (bytes.get() <= maxBytes) {
        return; // another writer evicted meanwhile
      }
      record Held(Path file, long modified, long size) {}
      List<Held> held = new ArrayList<>();
      long total = 0;
      for (Path file : files()) {
        if (!NAME.matcher(file.getFileName().toString()).matches()) {
          continue; // a write in progress
        }
        try {
          BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
          held.add(new Held(file, a.lastModifiedTime().toMillis(), a.size()));
          total += a.size();
        } catch (NoSuchFileException e) {
          // deleted meanwhile (a corrupted block)
        }
      }
      held.sort(Comparator.comparingLong(Held::modified));
      long target = maxBytes - maxBytes / 4;
      for (Held h : held) {
        if (total <= target) {
          break;
        }
        Files.deleteIfExists(h.file());
        total -= h.size();
      }
      bytes.set(total);
    }
  }

  private List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(out::add);
    }
    return out;
  }

  private Path path(Cid cid) {
    return dir.resolve(HexFormat.of().formatHex(cid.digest()));
  }
}
