package dev.tandem.core.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Reads a peer's cursor-paged log from a stored position: gossip ({@code tandem_records}), the evidence sync
 * ({@code tandem_evidence}) and the client's directory all follow their peers with this one loop.
 *
 * <p>A page is {@code {"<items>": [...], "next": n, "more": bool, "log": id}}. A peer whose log is not the one the
 * position came from (a new database behind the same URL) is read again from 0: it names another {@code log} than the
 * stored one, or, when it names none, answers with a {@code next} lower than the cursor sent. The first id a peer
 * names is taken as the id of the log the cursor came from. An answer of another shape fails the read.
 */
public final class LogFollower {
  private final String method;
  private final String itemsField;
  private final int maxPages;
  private final int maxItemsPerPage;

  /**
   * A follower of {@code method}'s log.
   *
   * @param itemsField the member of a page holding its items ({@code records}, {@code evidence})
   * @param maxPages pages read in one {@link #follow} at most
   * @param maxItemsPerPage the most items a page may hold: the largest limit the reader ever asks for. A page with
   *     more is refused whole (an honest peer never sends more than asked, and a page of millions of items would
   *     otherwise all be taken, checked and stored before any budget between pages applies)
   */
  public LogFollower(String method, String itemsField, int maxPages, int maxItemsPerPage) {
    if (maxPages < 1 || maxItemsPerPage < 1) {
      throw new IllegalArgumentException("maxPages and maxItemsPerPage must be 1 or more, got " + maxPages + " and "
          + maxItemsPerPage);
    }
    this.maxItemsPerPage = maxItemsPerPage;
    this.method = method;
    this.itemsField = itemsField;
    this.maxPages = maxPages;
  }

  /** Reads the page that starts at {@code cursor}: the peer's answer to the log's method. */
  @FunctionalInterface
  public interface Pages {
    JsonNode read(long cursor) throws IOException, JsonRpcClient.RpcError, InterruptedException;
  }

  /** Takes one item; false stops the read before the rest of its page, and the position stays before that page. */
  @FunctionalInterface
  public interface Items<X extends Exception> {
    boolean take(JsonNode item) throws X;
  }

  /** Told every new position as it is reached, to store it; {@code restart} says why the log is read from 0. */
  @FunctionalInterface
  public interface Progress {
    void moved(LogPosition to, String restart);
  }

  /**
   * Where a read ended.
   *
   * @param position the position reached
   * @param stopped whether an item stopped it
   */
  public record Result(LogPosition position, boolean stopped) {}

  /** Reads the page that starts at {@code cursor} without waiting: the peer's answer to the log's method. */
  @FunctionalInterface
  public interface AsyncPages {
    CompletableFuture<JsonNode> read(long cursor);
  }

  /**
   * Reads pages from {@code from} until the log has no more, {@code maxPages} were read, {@code goOn} says no or an
   * item stops it.
   *
   * @throws IOException when the peer cannot be reached or its answer has the wrong shape
   * @throws JsonRpcClient.RpcError when the peer answers with an error
   */
  public <X extends Exception> Result follow(LogPosition from, Pages pages, Items<X> items, Progress progress,
      BooleanSupplier goOn) throws IOException, JsonRpcClient.RpcError, InterruptedException, X {
    Reading reading = new Reading(from);
    for (int n = 0; n < maxPages && goOn.getAsBoolean(); n++) {
      Step step = reading.page(pages.read(reading.cursor), items, progress);
      if (step != Step.NEXT) {
        return reading.result(step == Step.STOPPED);
      }
    }
    return reading.result(false);
  }

  /**
   * {@link #follow} without blocking a thread while a page is on its way: each answer is taken on {@code executor}
   * (a node's task thread, the simulation's event loop), and the pages are read one after another. The future fails
   * with what {@link #follow} would throw (an {@link IOException}, a {@link JsonRpcClient.RpcError}, what an item
   * throws), unwrapped.
   */
  public CompletableFuture<Result> followAsync(LogPosition from, AsyncPages pages, Items<?> items, Progress progress,
      BooleanSupplier goOn, Executor executor) {
    CompletableFuture<Result> done = new CompletableFuture<>();
    nextPage(new Reading(from), 0, pages, items, progress, goOn, executor, done);
    return done;
  }

  private void nextPage(Reading reading, int n, AsyncPages pages, Items<?> items, Progress progress,
      BooleanSupplier goOn, Executor executor, CompletableFuture<Result> done) {
    if (n >= maxPages || !goOn.getAsBoolean()) {
      done.complete(reading.result(false));
      return;
    }
    CompletableFuture<JsonNode> page;
    try {
      page = pages.read(reading.cursor);
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
      return;
    }
    page.whenCompleteAsync((answer, failure) -> {
      if (failure != null) {
        done.completeExceptionally(unwrap(failure));
        return;
      }
      try {
        Step step = reading.page(answer, items, progress);
        if (step == Step.NEXT) {
          nextPage(reading, n + 1, pages, items, progress, goOn, executor, done);
        } else {
          done.complete(reading.result(step == Step.STOPPED));
        }
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    }, executor);
  }

  /** The failure itself, out of the {@link CompletionException} a dependent stage wraps it in. */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** What a page says to do next. */
  private enum Step { NEXT, STOPPED, END }

  /** Where one read of the log stands: the loop both {@link #follow} and {@link #followAsync} run. */
  private final class Reading {
    String log;
    long cursor;

    Reading(LogPosition from) {
      this.log = from.log();
      this.cursor = from.cursor();
    }

    Result result(boolean stopped) {
      return new Result(new LogPosition(log, cursor), stopped);
    }

    /** Takes one page's answer: its items, and where the read goes on from. */
    <X extends Exception> Step page(JsonNode answer, Items<X> items, Progress progress) throws IOException, X {
      JsonNode list = answer.path(itemsField);
      JsonNode next = answer.path("next");
      JsonNode more = answer.path("more");
      if (!list.isArray() || !next.isIntegralNumber() || !next.canConvertToLong() || next.asLong() < 0
          || !more.isBoolean()) {
        throw new IOException("its " + method + " answer is not {" + itemsField + ": [...], next: n, more: bool}");
      }
      if (list.size() > maxItemsPerPage) {
        throw new IOException("its " + method + " answer holds " + list.size() + " " + itemsField
            + ", more than the " + maxItemsPerPage + " asked for");
      }
      String theirs = logId(answer, method);
      if (!theirs.isEmpty() && !theirs.equals(log)) {
        boolean another = !log.isEmpty();
        String before = log;
        log = theirs;
        if (another && cursor > 0) {
          // Our cursor is a position in the peer's old log: whatever the new one's length, read it from the start.
          cursor = 0;
          progress.moved(new LogPosition(log, cursor), "a new log (id " + before + " → " + theirs + ")");
          return Step.NEXT;
        }
        progress.moved(new LogPosition(log, cursor), null);
      }
      if (next.asLong() < cursor) {
        String why = "a new log (our cursor " + cursor + " is past its end " + next.asLong() + ")";
        cursor = 0;
        progress.moved(new LogPosition(log, cursor), why);
        return Step.NEXT;
      }
      for (JsonNode item : list) {
        if (!items.take(item)) {
          return Step.STOPPED;
        }
      }
      if (next.asLong() != cursor) {
        cursor = next.asLong();
        progress.moved(new LogPosition(log, cursor), null);
      }
      return !more.asBoolean() || list.isEmpty() ? Step.END : Step.NEXT;
    }
  }

  /**
   * The {@code log} a cursor-paged answer names, {@code ""} when it names none (a peer of an older release, or a log
   * without an id).
   *
   * @param method the method answered, for the message
   * @throws IOException when it is not a string of at most {@link LogPosition#MAX_LOG_ID_LENGTH} printable ASCII
   *     characters (it is stored and logged, so nothing else is taken)
   */
  public static String logId(JsonNode answer, String method) throws IOException {
    JsonNode log = answer.get("log");
    if (log == null || log.isNull()) {
      return "";
    }
    String id = log.isTextual() ? log.textValue() : null;
    if (id == null || id.length() > LogPosition.MAX_LOG_ID_LENGTH
        || !id.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      String shown = log.toString();
      throw new IOException("its " + method + " answer has a log that is not a string of at most "
          + LogPosition.MAX_LOG_ID_LENGTH + " printable ASCII characters: "
          + (shown.length() <= 80 ? shown : shown.substring(0, 77) + "..."));
    }
    return id;
  }
}
