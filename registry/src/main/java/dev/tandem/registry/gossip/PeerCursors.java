package dev.tandem.registry.gossip;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where gossip remembers, per peer, the cursor of the peer's record log it has pulled up to, so a restarted node
 * resumes instead of pulling everything again. {@code SqliteRegistry.peerCursors()} keeps them in the registry's
 * database; {@link #inMemory()} forgets them on exit (a restart then re-pulls, which is correct, only slower).
 */
public interface PeerCursors {

  /** The stored cursor for {@code peer}, 0 when none. */
  long cursor(URI peer);

  /** Stores {@code cursor} for {@code peer}. */
  void saveCursor(URI peer, long cursor);

  /** A registry that keeps peer cursors itself; {@link Gossip} uses them unless told otherwise. */
  interface Source {
    PeerCursors peerCursors();
  }

  /** Cursors kept in memory only. */
  static PeerCursors inMemory() {
    Map<URI, Long> cursors = new ConcurrentHashMap<>();
    return new PeerCursors() {
      @Override
      public long cursor(URI peer) {
        return cursors.getOrDefault(peer, 0L);
      }

      @Override
      public void saveCursor(URI peer, long cursor) {
        cursors.put(peer, cursor);
      }
    };
  }
}
