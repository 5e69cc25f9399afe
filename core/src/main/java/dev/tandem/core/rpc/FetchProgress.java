package dev.tandem.core.rpc;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress lines for one download by CID ("fetching module bafk… from http://…: 3.1 MB of 12.0 MB (26%)"), for
 * fetches long enough that someone waiting wants to know the job is moving: nothing while the download is younger
 * than {@link #QUIET} (most modules and inputs arrive well within it, and a line for each would be noise), then at
 * most one line a second, and a last line with the size and time once it is done. Where the lines go is the
 * caller's choice: a node logs them at INFO, the {@code tandem} command prints them on stderr.
 */
public final class FetchProgress implements Transport.Progress {
  /** How long a download runs before its first progress line. */
  public static final Duration QUIET = Duration.ofSeconds(2);
  private static final long EVERY_NANOS = Duration.ofSeconds(1).toNanos();

  private final String what;
  private final Consumer<String> out;
  private final LongSupplier nanos;
  private final long quietNanos;
  private final long start;
  private long lastLine;
  private boolean spoke;

  /**
   * @param what the download, as the lines name it ({@code "fetching module bafk… from http://…"})
   * @param out  where the lines go
   */
  public FetchProgress(String what, Consumer<String> out) {
    this(what, out, System::nanoTime, QUIET);
  }

  /** With the clock and the quiet time given (tests). */
  FetchProgress(String what, Consumer<String> out, LongSupplier nanos, Duration quiet) {
    this.what = what;
    this.out = out;
    this.nanos = nanos;
    this.quietNanos = quiet.toNanos();
    this.start = nanos.getAsLong();
  }

  /** The progress of {@code what} into {@code out}, or {@link Transport.Progress#NONE} when {@code out} is null. */
  public static Transport.Progress of(String what, Consumer<String> out) {
    return out == null ? Transport.Progress.NONE : new FetchProgress(what, out);
  }

  @Override
  public synchronized void received(long bytes, long total) {
    long now = nanos.getAsLong();
    if (now - start < quietNanos || (spoke && now - lastLine < EVERY_NANOS)) {
      return;
    }
    spoke = true;
    lastLine = now;
    out.accept(what + ": " + size(bytes) + (total > 0
        ? " of " + size(total) + String.format(Locale.ROOT, " (%d%%)", Math.min(100, bytes * 100 / total))
        : " so far"));
  }

  /** The download ended with {@code bytes}: a last line, if any line was printed. */
  public synchronized void done(long bytes) {
    if (spoke) {
      out.accept(what + ": " + size(bytes) + String.format(Locale.ROOT, " in %.1f s",
          (nanos.getAsLong() - start) / 1e9));
    }
  }

  /** The last line of a download that ended with {@code bytes}, when {@code progress} printed any. */
  public static void done(Transport.Progress progress, long bytes) {
    if (progress instanceof FetchProgress p) {
      p.done(bytes);
    }
  }

  /** {@code 812 B}, {@code 45.3 KB}, {@code 3.1 MB}: decimal units, as download tools print them. */
  static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    return bytes < 1_000_000 ? String.format(Locale.ROOT, "%.1f KB", bytes / 1e3)
        : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
