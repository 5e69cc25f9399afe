package dev.tandem.registry.evm;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry.Page;
import dev.tandem.registry.store.RecordRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry as the contracts' events build it, event by event in chain order. Every record an event carries is
 * parsed, its signature verified and its fields compared with what the contract stored beside it; one that fails is
 * left out, and {@link #apply} says why.
 *
 * <p>Like the SQLite registry's table, {@link #since} lists the current records by their position: a server's record
 * leaves the log when a newer one arrives, at a later position. Thread-safe: changes and log reads take this object's
 * lock; {@link #view()} is a lock-free snapshot.
 */
final class ChainState {
  private static final Logger LOG = LoggerFactory.getLogger(ChainState.class);

  private record Entry(SignedRecord record, int size) {}

  private final Map<String, ServiceRecord> services = new HashMap<>();
  private final Set<String> retiredServices = new HashSet<>();
  private final Map<PublicKey, ServerRecord> servers = new HashMap<>();
  private final Map<PublicKey, Long> serverPositions = new HashMap<>();
  /** The Ethereum address holding each server entry (by entry id), and the entry id of each server key. */
  private final Map<String, String> serverOwners = new HashMap<>();
  private final Map<PublicKey, String> serverEntries = new HashMap<>();
  private final TreeMap<Long, Entry> log = new TreeMap<>();
  /** The highest cursor of any event seen, stored or ignored: the end of the log. */
  private long end;
  private volatile View view = View.EMPTY;
  /** Set by every change; the next reader rebuilds {@link #view}. */
  private volatile boolean stale;

  /** What applying one event did. */
  sealed interface Outcome {}

  /** The event stored this new record. */
  record Stored(SignedRecord record) implements Outcome {}

  /** The event's entry is ignored by every reader. */
  record Ignored(IgnoredRecord why) implements Outcome {}

  /** The event changed no record (a transfer; a retirement of a service that was ignored). */
  record Other() implements Outcome {}

  /** The Ethereum address that holds the entry of the server with this key, lower case. */
  synchronized java.util.Optional<String> serverOwner(PublicKey key) {
    String id = serverEntries.get(key);
    String owner = id == null ? null : serverOwners.get(id);
    return java.util.Optional.ofNullable(owner).map(o -> o.toLowerCase(java.util.Locale.ROOT));
  }

  /** Applies {@code e}, which must come after every event applied so far. */
  synchronized Outcome apply(ChainEvent e) {
    end = Math.max(end, e.cursor());
    return switch (e.kind()) {
      case SERVICE_REGISTERED, SERVER_REGISTERED, SERVER_UPDATED, SERVER_RETIRED -> store(e);
      case SERVICE_RETIRED -> {
        if (services.containsKey(e.id()) && retiredServices.add(e.id())) {
          stale = true;
          LOG.info("service {} retired by {} ({})", e.id(), e.owner(), e.where());
        }
        yield new Other();
      }
      case SERVICE_TRANSFERRED, SERVER_TRANSFERRED -> {
        if (e.kind() == ChainEvent.Kind.SERVER_TRANSFERRED && e.newOwner() != null) {
          serverOwners.put(e.id(), e.newOwner());
        }
        LOG.info("{} {} handed from {} to {} ({})", e.kind().registry(), e.id(), e.owner(), e.newOwner(), e.where());
        yield new Other();
      }
    };
  }

  private Outcome store(ChainEvent e) {
    SignedRecord record;
    try {
      record = checkAnything(e);
    } catch (RecordException problem) {
      IgnoredRecord why = new IgnoredRecord(e.kind().registry(), e.id(), problem.field(), problem.problem(),
          e.owner(), e.block(), e.tx());
      LOG.warn("ignoring {} {} on chain ({}, owner {}): {}", why.registry(), why.entry(), e.where(), e.owner(),
          why.reason());
      return new Ignored(why);
    }
    switch (record) {
      case ServiceRecord s -> services.put(e.id(), s);
      case ServerRecord s -> {
        servers.put(s.key(), s);
        serverOwners.put(e.id(), e.owner());
        serverEntries.put(s.key(), e.id());
        Long previous = serverPositions.put(s.key(), e.cursor());
        if (previous != null) {
          log.remove(previous); // superseded: its successor takes a later place in the log
        }
      }
    }
    log.put(e.cursor(), new Entry(record, e.record().length));
    stale = true;
    switch (record) {
      case ServiceRecord s -> LOG.info("stored service {} ({} {}) from chain ({}, owner {})", e.id(), s.name(),
          s.version(), e.where(), e.owner());
      case ServerRecord s -> LOG.info("stored server {} seq {} at {}{} from chain ({}, owner {})", e.id(), s.seq(),
          s.url(), s.retired() ? " (retired)" : "", e.where(), e.owner());
    }
    return new Stored(record);
  }

  /**
   * {@link #check}, with any failure as a RecordException: whatever an entry holds, it must not stop the reader (the
   * same events would fail again at every poll, and nothing after them would ever be read).
   */
  private SignedRecord checkAnything(ChainEvent e) {
    try {
      return check(e);
    } catch (RecordException problem) {
      throw problem;
    } catch (RuntimeException problem) {
      throw new RecordException("record", "cannot be read: " + problem);
    }
  }

  /**
   * The record {@code e} carries, if every reader may trust it.
   *
   * @throws RecordException naming the field that is wrong
   */
  private SignedRecord check(ChainEvent e) {
    SignedRecord record;
    try {
      record = SignedRecord.fromJson(Json.parse(e.record()));
    } catch (JsonFormatException problem) {
      throw new RecordException("record", "is not JSON: " + problem.getMessage());
    }
    record.verifySignature();
    rules(record);
    switch (record) {
      case ServiceRecord s -> {
        if (!e.kind().service) {
          throw new RecordException("type", "is \"service\" but the entry is in the server registry");
        }
        String id = s.serviceId();
        if (!id.equals(e.id())) {
          throw new RecordException("id", "the record's service id is " + id + ", not the " + e.id()
              + " it is registered under");
        }
        if (services.containsKey(id)) {
          throw new RecordException("id", "service " + id + " is already stored"); // the contract prevents this
        }
      }
      case ServerRecord s -> {
        if (e.kind().service) {
          throw new RecordException("type", "is \"server\" but the entry is in the service registry");
        }
        if (!s.key().toString().equals(e.id())) {
          throw new RecordException("key", "is " + s.key() + ", not the " + e.id() + " it is registered under");
        }
        if (s.seq() != e.seq()) {
          throw new RecordException("seq", "is " + s.seq() + " in the record but " + e.seq() + " on chain");
        }
        boolean retiring = e.kind() == ChainEvent.Kind.SERVER_RETIRED;
        if (s.retired() != retiring) {
          throw new RecordException("retired", retiring
              ? "is missing but the record was stored by retire()"
              : "is true but the record was stored by " + (e.kind() == ChainEvent.Kind.SERVER_UPDATED
                  ? "update()" : "register()") + ", which keeps the server active");
        }
        ServerRecord stored = servers.get(s.key());
        if (stored != null && s.seq() <= stored.seq()) {
          throw new RecordException("seq", s.seq() + " is not newer than the stored " + stored.seq());
        }
      }
    }
    return record;
  }

  /**
   * The embedded registry's rules for one record, which every reader of the chain applies alike (so the per-record
   * quotas are the fixed defaults, not a node's flags): URLs and homes are origins, and a server record offers and
   * rewards at most {@value RecordRules#DEFAULT_MAX_OFFERS} services each.
   */
  static void rules(SignedRecord record) {
    RecordRules.check(record, RecordRules.DEFAULT_MAX_OFFERS, RecordRules.DEFAULT_MAX_REWARDS, false);
  }

  /** The current records and their indexes. */
  View view() {
    if (!stale) {
      return view;
    }
    synchronized (this) {
      if (stale) {
        view = new View(services, retiredServices, servers.values());
        stale = false;
      }
      return view;
    }
  }

  /** Records after {@code cursor} in chain order, as {@link dev.tandem.registry.Registry#since} describes. */
  synchronized Page since(long cursor, int max, int maxBytes) {
    List<SignedRecord> records = new ArrayList<>();
    long next = cursor;
    long bytes = 0;
    boolean more = false;
    for (Map.Entry<Long, Entry> e : log.tailMap(cursor, false).entrySet()) {
      int size = e.getValue().size();
      if (records.size() == max || (!records.isEmpty() && bytes + size > maxBytes)) {
        more = true;
        break;
      }
      records.add(e.getValue().record());
      bytes += size;
      next = e.getKey();
    }
    if (records.isEmpty()) {
      next = Math.min(cursor, end);
    }
    return new Page(List.copyOf(records), next, more);
  }
}
