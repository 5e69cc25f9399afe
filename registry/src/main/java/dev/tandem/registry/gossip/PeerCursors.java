package dev.tandem.registry.gossip;

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

  /**
   * How far a peer's log has been pulled.
   *
   * @param log the id of the peer's log ({@code Registry.logId()}) the cursor belongs to; {@code ""} when the peer
   *     has not said
   * @param cursor the peer's cursor after the last record pulled, 0 for none
   */
  record Position(String log, long cursor) {
    /** Nothing pulled yet, from no known log. */
    public static final Position START = new Position("", 0);

    public Position {
      Objects.requireNonNull(log, "log");
      if (cursor < 0) {
        throw new IllegalArgumentException("cursor must be 0 or more, got " + cursor);
      }
    }
  }

  /** The stored position for {@code peer}, {@link Position#START} when none. */
  Position position(URI peer);

  /** Stores {@code position} for {@code peer}. */
  void save(URI peer, Position position);

  /** The stored cursor for {@code peer}, 0 when none. */
  default long cursor(URI peer) {
    return position(peer).cursor();
  }

  /** Stores {@code cursor} for {@code peer}, keeping the log id stored with it. */
  default void saveCursor(URI peer, long cursor) {
    save(peer, new Position(position(peer).log(), cursor));
  }

  /** A registry that keeps peer cursors itself; {@link Gossip} uses them unless told otherwise. */
  interface Source {
    PeerCursors peerCursors();
  }

  /** Cursors kept in memory only. */
  static PeerCursors inMemory() {
    Map<URI, Position> positions = new ConcurrentHashMap<>();
    return new PeerCursors() {
      @Override
      public Position position(URI peer) {
        return positions.getOrDefault(peer, Position.START);
      }

      @Override
      public void save(URI peer, Position position) {
        positions.put(peer, Objects.requireNonNull(position, "position"));
      }
    };
  }
}
