package dev.tandem.registry.gossip;

import dev.tandem.registry.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The records being fetched now, by id, so that pulls from several peers at once do not all fetch the same new
 * record: the first pull to want an id fetches it, the others wait for that fetch (at most {@code patience}) and
 * then fetch from their own peer whatever it did not bring. A peer that withholds a record therefore delays the
 * other pulls by one fetch at most; it never keeps the record from them.
 */
final class InFlight {
  private final ConcurrentHashMap<String, CompletableFuture<Void>> fetching = new ConcurrentHashMap<>();
  private final Duration patience;

  InFlight(Duration patience) {
    this.patience = patience;
  }

  /** Claims the ids of {@code wanted} that no other pull is fetching; the caller fetches those, then releases. */
  Claim claim(List<Registry.Entry> wanted) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    List<String> ids = new ArrayList<>();
    List<Registry.Entry> others = new ArrayList<>();
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    for (Registry.Entry e : wanted) {
      CompletableFuture<Void> other = fetching.putIfAbsent(e.id(), mine);
      if (other == null) {
        ids.add(e.id());
      } else {
        others.add(e);
        waits.add(other);
      }
    }
    return new Claim(mine, ids, others, waits);
  }

  /** One pull's share of a fetch. */
  final class Claim {
    private final CompletableFuture<Void> mine;
    private final List<String> ids;
    private final List<Registry.Entry> others;
    private final List<CompletableFuture<Void>> waits;

    private Claim(CompletableFuture<Void> mine, List<String> ids, List<Registry.Entry> others,
        List<CompletableFuture<Void>> waits) {
      this.mine = mine;
      this.ids = ids;
      this.others = others;
      this.waits = waits;
    }

    /** The ids this pull fetches itself. */
    List<String> mine() {
      return ids;
    }

    /** Ends this pull's own fetch (whatever came of it), so pulls waiting for those ids go on. */
    void release() {
      ids.forEach(id -> fetching.remove(id, mine));
      mine.complete(null);
    }

    /**
     * Waits, at most the patience, until the other pulls fetching what this one also wants are done, and returns
     * those entries: the caller fetches the ones still missing itself. Call after {@link #release}.
     */
    List<Registry.Entry> awaitOthers() throws InterruptedException {
      if (!waits.isEmpty()) {
        try {
          CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
              .get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
          // a slow or failed fetch elsewhere: fetch them here
        }
      }
      return others;
    }
  }
}
