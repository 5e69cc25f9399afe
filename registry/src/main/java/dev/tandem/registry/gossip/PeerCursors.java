package dev.tandem.registry.gossip;

import dev.tandem.core.rpc.LogPosition;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where gossip remembers, per peer, how far it has pulled the peer's record log: the log's id and the cursor reached
 * in it, so a restarted node resumes instead of pulling everything again, and a peer whose log changed (a new
 * database) is read again from the start. {@code SqliteRegistry.peerCursors()} keeps them in the registry's database;
 * {@link #inMemory()} forgets them on exit (a restart then re-pulls, which is correct, only slower).
 */
public interface PeerCursors {

  /** The stored position for {@code peer}, {@link LogPosition#START} when none. */
  LogPosition position(URI peer);

  /** Stores {@code position} for {@code peer}. */
  void save(URI peer, LogPosition position);

  /** The stored cursor for {@code peer}, 0 when none. */
  default long cursor(URI peer) {
    return position(peer).cursor();
  }

  /** Stores {@code cursor} for {@code peer}, keeping the log id stored with it. */
  default void saveCursor(URI peer, long cursor) {
    save(peer, new LogPosition(position(peer).log(), cursor));
  }

  /** A registry that keeps peer cursors itself; {@link Gossip} uses them unless told otherwise. */
  interface Source {
    PeerCursors peerCursors();
  }

  /** Cursors kept in memory only. */
  static PeerCursors inMemory() {
    Map<URI, LogPosition> positions = new ConcurrentHashMap<>();
    return new PeerCursors() {
      @Override
      public LogPosition position(URI peer) {
        return positions.getOrDefault(peer, LogPosition.START);
      }

      @Override
      public void save(URI peer, LogPosition position) {
        positions.put(peer, Objects.requireNonNull(position, "position"));
      }
    };
  }
}
