package dev.tandem.core.rpc;

import java.util.Objects;

/**
 * How far a peer's cursor-paged log ({@code tandem_records}, {@code tandem_evidence}) has been read: the id of the
 * log and the cursor reached in it. A cursor means nothing in another log, so the two always travel together.
 *
 * @param log the id the peer's answers name ({@code ""} while it has named none)
 * @param cursor the peer's cursor after the last item read, 0 for none
 */
public record LogPosition(String log, long cursor) {
  /** Nothing read yet, from no known log. */
  public static final LogPosition START = new LogPosition("", 0);
  /** The longest log id taken from a peer: it is stored and logged. */
  public static final int MAX_LOG_ID_LENGTH = 128;

  public LogPosition {
    Objects.requireNonNull(log, "log");
    if (cursor < 0) {
      throw new IllegalArgumentException("cursor must be 0 or more, got " + cursor);
    }
  }
}
