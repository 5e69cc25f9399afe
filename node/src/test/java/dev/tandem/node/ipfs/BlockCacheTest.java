package dev.tandem.node.ipfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What strangers bring is cached within a budget, oldest out first; what the node keeps is never evicted. */
class BlockCacheTest {
  @TempDir Path dir;

  static byte[] block(int i, int size) {
    byte[] b = new byte[size];
    b[0] = (byte) i;
    b[1] = (byte) (i >> 8);
    return b;
  }

  @Test
  void pastTheBudgetTheOldestCachedBlocksGoAndKeptOnesStay() throws Exception {
    BlockStore store = new BlockStore(dir.resolve("blocks"), dir.resolve("cache"), 10_000);
    byte[] kept = block(999, 4_000);
    Cid keptCid = Cid.rawSha256(kept);
    store.put(keptCid, kept);
    List<Cid> cached = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      byte[] b = block(i, 1_000);
      Cid cid = Cid.rawSha256(b);
      store.cache(cid, b);
      // Distinct ages, whatever the file system's timestamp resolution.
      Files.setLastModifiedTime(dir.resolve("cache").resolve(HexFormat.of().formatHex(cid.digest())),
          FileTime.fromMillis(1_000_000L + i * 1000L));
      cached.add(cid);
    }
    // 11 blocks passed the budget: evicted down to three quarters of it (7,500 bytes: the newest 7, then the 12th).
    assertThat(store.cachedBytes()).isLessThanOrEqualTo(10_000);
    assertThat(store.has(cached.get(0))).isFalse();
    assertThat(store.has(cached.get(11))).isTrue();
    assertThat(store.get(cached.get(11))).isPresent();
    assertThat(store.get(keptCid)).isPresent(); // kept blocks are outside the budget
    long held = cached.stream().filter(store::has).count();
    assertThat(held).isBetween(7L, 10L);
  }

  @Test
  void aBlockAlreadyKeptIsNotCachedAgainAndACrashLeftoverIsTidied() throws Exception {
    Files.createDirectories(dir.resolve("cache"));
    Files.write(dir.resolve("cache").resolve(".123.tmp"), new byte[500]); // a write cut short
    BlockStore store = new BlockStore(dir.resolve("blocks"), dir.resolve("cache"), 10_000);
    assertThat(Files.exists(dir.resolve("cache").resolve(".123.tmp"))).isFalse();
    byte[] b = block(1, 2_000);
    Cid cid = Cid.rawSha256(b);
    store.put(cid, b);
    store.cache(cid, b);
    assertThat(store.cachedBytes()).isZero();
    // Reopened: the cache counts what it holds.
    byte[] c = block(2, 3_000);
    store.cache(Cid.rawSha256(c), c);
    assertThat(new BlockStore(dir.resolve("blocks"), dir.resolve("cache"), 10_000).cachedBytes()).isEqualTo(3_000);
  }

  @Test
  void aFileCachedWholeReadsBackAndABudgetOfZeroCachesNothing() throws Exception {
    BlockStore store = new BlockStore(dir.resolve("blocks"), dir.resolve("cache"), 1 << 20);
    byte[] data = new byte[300_000];
    new java.util.Random(3).nextBytes(data);
    var cids = store.cacheFile(data);
    assertThat(store.readFile(cids.v0(), data.length)).isEqualTo(data);
    assertThat(store.readFile(cids.raw(), data.length)).isEqualTo(data);
    BlockStore none = new BlockStore(dir.resolve("b2"), dir.resolve("c2"), 0);
    none.cacheFile(data);
    assertThat(none.has(cids.raw())).isFalse();
  }
}
