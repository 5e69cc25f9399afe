package dev.tandem.cli.demo;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * For a long command whose steps cannot be counted (a benchmark): once it has run for {@code after}, a line on stderr
 * saying how long it has been running, redrawn in place. Whatever the command prints on stdout (through
 * {@link #wrap}) first clears that line, so the two never mix. Only in a terminal, never with {@code --json}.
 */
public final class Ticker implements AutoCloseable {
  private final PrintStream err;
  private final String label;
  private final long start = System.nanoTime();
  private final Thread thread;
  private final Object lock = new Object();
  private boolean drawn;

  Ticker(PrintStream err, String label, Duration after, Duration every) {
    this.err = err;
    this.label = label;
    this.thread = err == null ? null : Thread.ofPlatform().daemon().name("tandem-ticker").start(() -> {
      try {
        Thread.sleep(after);
        while (!Thread.currentThread().isInterrupted()) {
          draw();
          Thread.sleep(every);
        }
      } catch (InterruptedException e) {
        // closed
      }
    });
  }

  /** A ticker on stderr when it is a terminal and not {@code quiet}; otherwise one that does nothing. */
  public static Ticker onStderr(String label, boolean quiet) {
    boolean on = !quiet && Progress.isTerminal();
    return new Ticker(on ? System.err : null, label, Duration.ofSeconds(2), Duration.ofMillis(500));
  }

  private void draw() {
    synchronized (lock) {
      err.printf(Locale.ROOT, "\r\033[K%s: running for %d s", label, (System.nanoTime() - start) / 1_000_000_000L);
      err.flush();
      drawn = true;
    }
  }

  private void clear() {
    if (drawn) {
      err.print("\r\033[K");
      err.flush();
      drawn = false;
    }
  }

  /** {@code out}, clearing the ticker's line before each write. */
  public PrintStream wrap(PrintStream out) {
    if (thread == null) {
      return out;
    }
    return new PrintStream(new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        synchronized (lock) {
          clear();
          out.write(b, off, len);
        }
      }

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }
    }, true, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (thread == null) {
      return;
    }
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (lock) {
      clear();
    }
  }
}
