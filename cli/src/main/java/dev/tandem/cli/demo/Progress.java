package dev.tandem.cli.demo;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * Shows how far a run of {@code total} steps is, on stderr: a bar redrawn in place when stderr is a terminal,
 * otherwise one line every 10% (so logs and CI output stay readable).
 */
public final class Progress implements IntConsumer {
  private static final int WIDTH = 30;
  private final PrintStream err;
  private final int total;
  private final boolean terminal;
  private final String label;
  private final long start = System.nanoTime();
  private int lastTenth = -1;
  private long lastDraw;

  public Progress(PrintStream err, String label, int total, boolean terminal) {
    this.err = err;
    this.label = label;
    this.total = Math.max(1, total);
    this.terminal = terminal;
  }

  /**
   * A bar on {@link System#err} when the process runs in a terminal, and nothing otherwise (nor when {@code quiet}):
   * for a command whose output is read by scripts.
   */
  public static IntConsumer inTerminal(String label, int total, boolean quiet) {
    return quiet || !isTerminal() ? done -> { } : new Progress(System.err, label, total, true);
  }

  /** Progress on {@link System#err}, drawn as a bar only when the process runs in a terminal. */
  public static Progress onStderr(String label, int total) {
    return new Progress(System.err, label, total, isTerminal());
  }

  @Override
  public synchronized void accept(int done) {
    if (terminal) {
      long now = System.nanoTime();
      if (done < total && now - lastDraw < 50_000_000L) {
        return; // redraw at most 20 times a second
      }
      lastDraw = now;
      int filled = (int) ((long) WIDTH * done / total);
      err.printf(Locale.ROOT, "\r%s [%s%s] %3d%% %d/%d", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
          100L * done / total, done, total);
      if (done >= total) {
        err.printf(Locale.ROOT, " in %.1f s%n", (System.nanoTime() - start) / 1e9);
      }
      err.flush();
      return;
    }
    int tenth = (int) (10L * done / total);
    if (tenth != lastTenth) {
      lastTenth = tenth;
      err.printf(Locale.ROOT, "%s: %d/%d (%d%%)%n", label, done, total, 100L * done / total);
      err.flush();
    }
  }

  /**
   * Whether stdin and stdout are a terminal, the best a JVM can tell about stderr. On JDK 22 and later a console
   * object exists even when output is redirected, so its {@code isTerminal()} is asked when there is one.
   */
  public static boolean isTerminal() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }
}
