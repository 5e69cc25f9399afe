package dev.tandem.node.hosting;

import dev.tandem.core.cid.Cid;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CIDs that no source had, remembered for a minute: a stranger can name the same missing CID in call after call, or
 * in evidence item after evidence item, and each would otherwise send this node asking every source again. At most
 * {@value #MAX_REMEMBERED} are remembered, the oldest forgotten first.
 */
final class Misses {
  /** How long a CID that no source had is refused without asking again. */
  static final Duration FORGET_AFTER = Duration.ofMinutes(1);
  private static final int MAX_REMEMBERED = 4096;

  private final String what;
  private final Map<Cid, Long> missing = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Cid, Long> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  /** @param what what the CIDs name, for the message ("input", "module") */
  Misses(String what) {
    this.what = what;
  }

  /** @throws IOException when {@code cid} was not found less than a minute ago */
  void refuseIfMissing(Cid cid) throws IOException {
    Long at;
    synchronized (missing) {
      at = missing.get(cid);
      if (at != null && System.nanoTime() - at >= FORGET_AFTER.toNanos()) {
        missing.remove(cid);
        at = null;
      }
    }
    if (at != null) {
      throw new IOException(what + " " + cid + ": no source had it " + (System.nanoTime() - at) / 1_000_000_000
          + " s ago; it is asked for again " + FORGET_AFTER.toSeconds() + " s after that");
    }
  }

  /** Remembers that every source was asked for {@code cid} and none had it. */
  void remember(Cid cid) {
    synchronized (missing) {
      missing.put(cid, System.nanoTime());
    }
  }
}
