package dev.tandem.client;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.Transport;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How a {@link Directory} reads its bootstrap nodes, every node at once: the services the client calls, one at a time
 * ({@link ServiceLookup}; the default, since anyone can grow the registry), or every record ({@link RecordPull}, from
 * each node's cursor). A node that does not know lookups is pulled whole. Holds the cursors and the services looked
 * up; the directory runs one read at a time.
 */
final class BootstrapReader {
  /** Services looked up again on each refresh: the newest this many. */
  private static final int LOOKUPS_KEPT = 64;

  /**
   * What one read brought.
   *
   * @param records the valid records read
   * @param reached whether any node answered
   * @param errors  why the others did not, one line per node
   */
  record Read(List<SignedRecord> records, boolean reached, List<String> errors) {}

  private final List<URI> bootstrap;
  private final Transport transport;
  private final Duration timeout;
  private final ExecutorService executor;
  private final Clock clock;
  private final boolean lookUp;
  private final Supplier<List<PublicKey>> preferred;
  private final Map<URI, Long> cursors = new HashMap<>();
  /** The id of each node's record log our cursor belongs to ({@code ""} before the first pull). */
  private final Map<URI, String> logs = new HashMap<>();
  /** When each reference was last looked up with an answer, oldest first. */
  private final Map<String, Long> lookedUp = new LinkedHashMap<>();

  /** @param preferred the servers this client trusts, which a lookup asks to have sent first */
  BootstrapReader(List<URI> bootstrap, Transport transport, Duration timeout, ExecutorService executor, Clock clock,
      boolean lookUp, Supplier<List<PublicKey>> preferred) {
    this.preferred = preferred;
    this.bootstrap = List.copyOf(bootstrap);
    this.transport = transport;
    this.timeout = timeout;
    this.executor = executor;
    this.clock = clock;
    this.lookUp = lookUp;
  }

  boolean looksUp() {
    return lookUp;
  }

  /**
   * Every new record; with lookups, the services looked up before again, and before the first lookup only whether a
   * node answers ({@code tandem_status}).
   */
  Read refresh() {
    if (!lookUp) {
      return each(node -> () -> RecordPull.from(node, cursor(node), log(node), transport, timeout, clock));
    }
    List<String> refs;
    synchronized (this) {
      refs = List.copyOf(lookedUp.keySet());
    }
    if (refs.isEmpty()) {
      return each(node -> () -> ServiceLookup.status(node, transport, timeout));
    }
    List<SignedRecord> records = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    boolean reached = false;
    for (String ref : refs) {
      Read read = lookUp(ref, true);
      records.addAll(read.records());
      errors.addAll(read.errors());
      reached |= read.reached();
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
    }
    return new Read(records, reached, errors);
  }

  /**
   * The records of {@code ref} (a service id, NAME or OWNER/NAME) from every node; when {@code remember}, looked up
   * again on later refreshes.
   */
  Read lookUp(String ref, boolean remember) {
    List<PublicKey> prefer = preferred.get();
    Read read = each(node -> () -> ServiceLookup.from(node, ref, prefer, transport, timeout));
    if (read.reached() && remember) {
      synchronized (this) {
        lookedUp.remove(ref);
        lookedUp.put(ref, clock.millis());
        if (lookedUp.size() > LOOKUPS_KEPT) {
          lookedUp.remove(lookedUp.keySet().iterator().next());
        }
      }
    }
    return read;
  }

  /** Whether {@code ref} was looked up with an answer less than {@code age} ago. */
  synchronized boolean lookedUpWithin(String ref, Duration age) {
    Long at = lookedUp.get(ref);
    return at != null && clock.millis() - at < age.toMillis();
  }

  /** Whether lookups are made and {@code ref} was never looked up with an answer. */
  synchronized boolean neverLookedUp(String ref) {
    return lookUp && !lookedUp.containsKey(ref);
  }

  private synchronized long cursor(URI node) {
    return cursors.getOrDefault(node, 0L);
  }

  private synchronized String log(URI node) {
    return logs.getOrDefault(node, "");
  }

  /** Runs {@code read} on every node at once; a node that does not know lookups is pulled whole instead. */
  private Read each(Function<URI, Callable<RecordPull.Result>> read) {
    List<Future<RecordPull.Result>> reads = new ArrayList<>();
    for (URI node : bootstrap) {
      Callable<RecordPull.Result> task = read.apply(node);
      reads.add(executor.submit(() -> {
        try {
          return task.call();
        } catch (ServiceLookup.NotKnown e) {
          return RecordPull.from(node, cursor(node), log(node), transport, timeout, clock);
        }
      }));
    }
    List<String> errors = new ArrayList<>();
    List<SignedRecord> records = new ArrayList<>();
    boolean reached = false;
    for (int i = 0; i < reads.size(); i++) {
      try {
        RecordPull.Result r = reads.get(i).get();
        synchronized (this) {
          if (r.log() != null) {
            cursors.put(r.node(), r.next());
            logs.put(r.node(), r.log());
          }
        }
        records.addAll(r.records());
        reached = true;
      } catch (InterruptedException e) {
        reads.forEach(p -> p.cancel(true)); // interrupted (the client closing): no more waiting
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        errors.add(bootstrap.get(i) + ": " + cause.getMessage());
      }
    }
    return new Read(records, reached, errors);
  }
}
