package dev.tandem.registry.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import dev.tandem.registry.gossip.PeerCursors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded registry: signed records in one SQLite file, validated before they are stored and served from memory.
 *
 * <p><b>Durability.</b> The file is in WAL mode with {@code synchronous=FULL}: when {@link #submit} returns
 * {@link Submitted#STORED} the record's transaction has been fsynced, so it survives a crash or power loss from then
 * on. A record is written in one transaction (the row, and for a ServerRecord the removal of the one it supersedes):
 * it is stored entirely or not at all.
 *
 * <p><b>Reads</b> come from memory and touch no disk: {@link #service} and {@link #server} are concurrent map
 * lookups, and the lists ({@link #services}, {@link #servers}, {@link #serversOffering}) come from immutable indexes
 * that the first reader after a change rebuilds ({@link LiveIndexes}). The in-memory copy assumes this object is the only writer of
 * the file: open one {@code SqliteRegistry} per file.
 *
 * <p><b>Order.</b> Each stored record gets the next {@code seq_no} (the gossip cursor, see {@link #since}). A
 * ServerRecord that is superseded leaves the table; its successor has a higher {@code seq_no}, so cursors stay
 * monotonic and a reader following them ends with the current records. The log's id ({@link #logId}) is drawn at
 * random when the file is created and kept in it: another file, even one behind the same node, has another id.
 *
 * <p>Thread-safe: one connection, writes and log reads serialized by a lock; validation (parsing, signature checks)
 * runs before the lock is taken.
 */
public final class SqliteRegistry implements Registry, PeerCursors.Source {
  /** Most records {@link #since} returns at once. */
  public static final int MAX_PAGE = 1000;
  /** A page stops growing at about this many bytes of record JSON (always at least one record). */
  static final int MAX_PAGE_BYTES = 4 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(SqliteRegistry.class);

  private final RecordTable table;
  /** The table's lock: a record's judgement, its row and the maps change together under it. */
  private final ReentrantLock dbLock;
  private final List<Consumer<SignedRecord>> listeners = new CopyOnWriteArrayList<>();
  private final Admission admission = new Admission();
  /** Bytes of JSON of each stored record (services by id, servers by key), and their sum. Under {@link #dbLock}. */
  private final Map<String, Integer> sizes = new ConcurrentHashMap<>();
  private long totalBytes;

  /** The current records, as in the database: services by id, servers by key. Written under {@link #dbLock}. */
  private final Map<String, ServiceRecord> services = new ConcurrentHashMap<>();
  private final Map<PublicKey, ServerRecord> servers = new ConcurrentHashMap<>();
  private final LiveIndexes indexes = new LiveIndexes(services, servers);
  /** Reads of the log and of records by id, for gossip. */
  private final LogView log;

  private SqliteRegistry(RecordTable table) {
    this.table = table;
    this.dbLock = table.lock;
    this.log = new LogView(table, services, indexes, sizes);
  }

  /**
   * Opens (creating when needed) the registry database at {@code file}, migrating an older schema.
   *
   * @throws StorageException when the file cannot be opened or is not a registry database
   * @throws IllegalStateException when the file was written by a newer release
   */
  public static SqliteRegistry open(Path file) {
    return loaded(RecordTable.open(file));
  }

  /** A registry that lives in memory only: for tests and simulations. */
  public static SqliteRegistry inMemory() {
    return loaded(RecordTable.inMemory());
  }

  private static SqliteRegistry loaded(RecordTable table) {
    try {
      SqliteRegistry registry = new SqliteRegistry(table);
      registry.load();
      return registry;
    } catch (RuntimeException e) {
      table.close();
      throw e;
    }
  }

  /** Reads every stored record into memory. A row that no longer parses is skipped with a warning, not fatal. */
  private void load() {
    int[] skipped = {0};
    table.forEach(row -> {
      try {
        SignedRecord record = SignedRecord.fromJson(Json.parse(row.json()));
        String id = idOf(record);
        if (!record.type().equals(row.type()) || !id.equals(row.id())) {
          throw new RecordException("record", "does not match its row (" + row.type() + " " + row.id() + ")");
        }
        switch (record) {
          case ServiceRecord s -> indexes.put(id, s);
          case ServerRecord s -> indexes.put(s);
        }
        sized(id, row.json().length);
      } catch (JsonFormatException | RecordException e) {
        skipped[0]++;
        LOG.warn("registry database {}: skipping row {}: {}", table.name(), row.seqNo(), e.getMessage());
      }
    });
    LOG.debug("registry database {}: {} services, {} servers{}", table.name(), services.size(), servers.size(),
        skipped[0] == 0 ? "" : ", " + skipped[0] + " unreadable rows skipped");
  }

  @Override
  public Submitted submit(SignedRecord record) {
    return submit(record, "local");
  }

  /** Also what needs the stored records: a server record's seq, and the quotas for records from elsewhere. */
  @Override
  public void check(SignedRecord record, String origin) {
    Objects.requireNonNull(record, "record");
    ensureOpen();
    byte[] json = SignedRecord.canonicalRoundTrip(record);
    record.verifySignature();
    dbLock.lock();
    try {
      ensureOpen();
      admit(record, idOf(record), json, "local".equals(origin), System.currentTimeMillis());
    } finally {
      dbLock.unlock();
    }
  }

  /**
   * Judges a record against the stored ones, under the write lock: false when it is already stored, an exception
   * when it may not be (stale seq, a quota), true when it may be stored.
   */
  private boolean admit(SignedRecord record, String id, byte[] json, boolean local, long now) {
    int replaced = 0;
    switch (record) {
      case ServiceRecord s -> {
        if (services.containsKey(id)) {
          return false; // the id covers every signed field, so this is the same service
        }
      }
      case ServerRecord s -> {
        ServerRecord stored = servers.get(s.key());
        if (stored != null) {
          if (s.seq() < stored.seq()) {
            throw new RecordException("seq", s.seq() + " is not newer than the stored " + stored.seq());
          }
          if (s.seq() == stored.seq()) {
            if (s.equals(stored)) {
              return false;
            }
            throw new RecordException("seq", s.seq() + " is already used by a different record for " + s.key()
                + "; a changed record needs a higher seq");
          }
          replaced = sizes.getOrDefault(id, 0);
        }
      }
    }
    if (!local) {
      admission.check(record, json.length, replaced, totalBytes, services.values(), servers.values(), now);
    }
    return true;
  }

  @Override
  public Submitted submit(SignedRecord record, String origin) {
    Objects.requireNonNull(record, "record");
    ensureOpen();
    String id = idOf(record);
    // Gossip delivers the same records again and again: one equal to a stored record (signature included, and that
    // one was verified) is known without paying for another signature check.
    SignedRecord known = record instanceof ServerRecord s ? servers.get(s.key()) : services.get(id);
    if (record.equals(known)) {
      return Submitted.ALREADY_KNOWN;
    }
    // Everything that can be checked without the stored state is checked before taking the lock.
    byte[] json = SignedRecord.canonicalRoundTrip(record);
    record.verifySignature();

    dbLock.lock();
    try {
      ensureOpen();
      long now = System.currentTimeMillis();
      if (!admit(record, id, json, "local".equals(origin), now)) {
        return Submitted.ALREADY_KNOWN;
      }
      switch (record) {
        case ServiceRecord s -> {
          table.store(record.type(), id, null, json, false);
          indexes.put(id, s);
          sized(id, json.length);
        }
        case ServerRecord s -> {
          table.store(record.type(), id, s.seq(), json, servers.containsKey(s.key()));
          indexes.put(s);
          sized(id, json.length);
        }
      }
      admission.stored(record.author(), now);
    } finally {
      dbLock.unlock();
    }
    logStored(record, id, origin);
    for (Consumer<SignedRecord> listener : listeners) {
      try {
        listener.accept(record);
      } catch (RuntimeException e) {
        LOG.warn("a registry listener failed on {}: {}", record, e.toString(), e);
      }
    }
    return Submitted.STORED;
  }

  private void sized(String id, int bytes) {
    Integer before = sizes.put(id, bytes);
    totalBytes += bytes - (before == null ? 0 : before);
  }

  /**
   * Sets the quotas new records from elsewhere must meet (default {@link RegistryQuotas#NONE}); records already
   * stored stay. Server URLs and service homes of new records must be origins whatever the quotas.
   */
  public SqliteRegistry quotas(RegistryQuotas quotas) {
    admission.quotas(Objects.requireNonNull(quotas, "quotas"));
    return this;
  }

  /** Bytes of record JSON stored. */
  public long storedBytes() {
    dbLock.lock();
    try {
      return totalBytes;
    } finally {
      dbLock.unlock();
    }
  }

  private static void logStored(SignedRecord record, String id, String origin) {
    switch (record) {
      case ServiceRecord s -> LOG.info("stored service {} ({} {}) from {}", id, s.name(), s.version(), origin);
      case ServerRecord s -> LOG.info("stored server {} seq {} at {}{} from {}", id, s.seq(), s.url(),
          s.retired() ? " (retired)" : "", origin);
    }
  }

  static String idOf(SignedRecord record) {
    return switch (record) {
      case ServiceRecord s -> s.serviceId();
      case ServerRecord s -> s.key().toString();
    };
  }

  @Override
  public Optional<ServiceRecord> service(String serviceId) {
    return serviceId == null ? Optional.empty() : Optional.ofNullable(services.get(serviceId));
  }

  @Override
  public List<ServiceRecord> services() {
    return indexes.services().byNameThenId;
  }

  @Override
  public Optional<ServerRecord> server(PublicKey key) {
    return key == null ? Optional.empty() : Optional.ofNullable(servers.get(key));
  }

  @Override
  public List<ServerRecord> servers() {
    return indexes.servers().active();
  }

  @Override
  public List<ServerRecord> serversOffering(String serviceId) {
    return indexes.servers().offering(serviceId);
  }

  @Override
  public List<ServiceRecord> resolve(String nameOrId) {
    if (nameOrId == null) {
      return List.of();
    }
    ServiceRecord byId = services.get(nameOrId);
    return byId != null ? List.of(byId) : indexes.services().byName.getOrDefault(nameOrId, List.of());
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code limit} is capped at {@link #MAX_PAGE}, and a page also ends once it holds about 4 MiB of JSON.
   */
  @Override
  public Page since(long cursor, int limit) {
    return log.since(cursor, limit);
  }

  /** {@inheritDoc} Read from memory, as {@link #since}: no record is written as JSON or hashed. */
  @Override
  public IndexPage indexSince(long cursor, int limit) {
    return log.indexSince(cursor, limit);
  }

  /** {@inheritDoc} At most about 4 MiB of records' JSON (always at least one record found). */
  @Override
  public List<SignedRecord> records(java.util.Collection<String> ids) {
    return log.records(ids);
  }

  @Override
  public boolean holds(Entry entry) {
    return log.holds(entry);
  }

  /** {@inheritDoc} Drawn at random (16 bytes, hex) when the database was created, and stored in it. */
  @Override
  public String logId() {
    return table.logId();
  }

  @Override
  public void onStored(Consumer<SignedRecord> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Gossip positions (log id and cursor) per peer, kept in this database (table {@code peer_cursors}). */
  @Override
  public PeerCursors peerCursors() {
    return table.cursors();
  }

  /** Where the database is: its file, or {@code :memory:}. */
  public String location() {
    return table.name();
  }

  @Override
  public void close() {
    table.close();
  }

  @Override
  public String toString() {
    return "SqliteRegistry[" + table.name() + "]";
  }

  private void ensureOpen() {
    table.ensureOpen();
  }

  /** A PRAGMA's value on this registry's own connection (settings like {@code synchronous} are per connection). */
  String pragma(String pragmaName) {
    return table.pragma(pragmaName);
  }
}
