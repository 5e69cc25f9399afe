package dev.tandem.registry;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.LogPosition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The registry of signed records: services and servers. Implementations only store and order records; every record
 * is validated (fields, signature, seq) before it is stored, so a reader never sees a forged or stale one.
 *
 * <p>The embedded implementation keeps records in SQLite and spreads them by gossip; another keeps them on an EVM
 * chain. Both behave the same through this interface.
 */
public interface Registry extends AutoCloseable {

  /**
   * Validates and stores a record.
   *
   * @return {@link Submitted#STORED} when new, {@link Submitted#ALREADY_KNOWN} when the identical record is stored
   * @throws RecordException naming the field when the record is invalid, wrongly signed, or older than the stored one
   *     (a ServerRecord whose {@code seq} is not higher than the stored record's for the same key)
   */
  Submitted submit(SignedRecord record);

  /**
   * Like {@link #submit(SignedRecord)}, naming where the record came from (a peer's URL, {@code "rpc"},
   * {@code "local"}) so the registry's log can say so. The origin is informational only: it changes no rule.
   */
  default Submitted submit(SignedRecord record, String origin) {
    return submit(record);
  }

  /**
   * Throws the {@link RecordException} that {@link #submit(SignedRecord, String)} would throw for this record now,
   * without storing anything: a node checks a record this way before it stores the modules the record carries, so a
   * refused record leaves nothing behind. This default checks what needs no stored state (fields, size, signature).
   */
  default void check(SignedRecord record, String origin) {
    SignedRecord.canonicalRoundTrip(record);
    record.verifySignature();
  }

  /** The service with this id. */
  Optional<ServiceRecord> service(String serviceId);

  /** Every service, ordered by name then id. */
  List<ServiceRecord> services();

  /** The current (highest seq) record of the server with this key, retired or not. */
  Optional<ServerRecord> server(PublicKey key);

  /**
   * Who operates the server with this key, when the registry knows more than its record says: on the EVM registry,
   * the Ethereum address that holds its entry ({@code eth:0x…}), so that keys registered by one address count as one
   * operator. Empty by default: the record's host then names the operator.
   */
  default Optional<String> operator(PublicKey server) {
    return Optional.empty();
  }

  /** The current record of every server that is not retired, ordered by key. */
  List<ServerRecord> servers();

  /**
   * The current, non-retired servers whose record offers {@code serviceId}, ordered by key. Every call's choice of
   * servers reads this: implementations keep it indexed.
   */
  default List<ServerRecord> serversOffering(String serviceId) {
    return servers().stream().filter(s -> s.offers().contains(serviceId)).toList();
  }

  /**
   * Services whose id or name is {@code nameOrId}: at most one for an id; for a name, possibly several (different
   * owners or versions), newest first.
   */
  default List<ServiceRecord> resolve(String nameOrId) {
    Optional<ServiceRecord> byId = service(nameOrId);
    if (byId.isPresent()) {
      return List.of(byId.get());
    }
    return services().stream().filter(s -> s.name().equals(nameOrId))
        .sorted((a, b) -> Long.compare(b.createdAt(), a.createdAt())).toList();
  }

  /**
   * Records in the order this registry stored them, after {@code cursor} (0 = from the start), at most
   * {@code limit}. Gossip pulls with this; {@link Page#next()} is the cursor for the following call.
   *
   * <p>Cursors only grow, and a record superseded by a newer one (a ServerRecord with a higher seq) may leave the log:
   * the newer one comes later, so a reader that follows the cursors still ends with the current records. When
   * {@code cursor} lies beyond the end of the log (the log was reset, or the cursor came from another registry),
   * {@code next} is the end of the log, lower than {@code cursor}: the caller should start again from 0.
   */
  Page since(long cursor, int limit);

  /**
   * {@link #since} without the records: for each record after {@code cursor}, its type, id and (for a server) seq, in
   * the same order and with the same {@code next} and {@code more}. Gossip reads this first and then fetches, with
   * {@link #records(Collection)}, only the records it does not hold. This default reads {@link #since}.
   */
  default IndexPage indexSince(long cursor, int limit) {
    Page page = since(cursor, limit);
    return new IndexPage(page.records().stream().map(Entry::of).toList(), page.next(), page.more());
  }

  /**
   * The current records with these ids (service ids, server keys), in the order asked; ids of records this registry
   * does not hold are left out.
   */
  default List<SignedRecord> records(Collection<String> ids) {
    List<SignedRecord> found = new ArrayList<>();
    for (String id : ids) {
      Optional<? extends SignedRecord> r = service(id);
      if (r.isEmpty() && id.startsWith(PublicKey.PREFIX)) {
        try {
          r = server(PublicKey.parse(id));
        } catch (IllegalArgumentException e) {
          // not a key: nothing to find
        }
      }
      r.ifPresent(found::add);
    }
    return found;
  }

  /**
   * Whether this registry holds the record an index {@code entry} names, or a newer one (a server's record with at
   * least its seq). An id that names no record that could exist (a malformed key) counts as held: there is nothing
   * to fetch for it.
   */
  default boolean holds(Entry entry) {
    if (ServiceRecord.TYPE.equals(entry.type())) {
      return service(entry.id()).isPresent();
    }
    try {
      return server(PublicKey.parse(entry.id())).map(s -> s.seq() >= entry.seq()).orElse(false);
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  /**
   * The identity of the log {@link #since} reads: cursors are meaningful only within the same log. A registry whose
   * log starts over (a new database behind the same address) has a new id, so a reader holding a cursor from the old
   * log knows to read the new one from 0 even when it has grown past that cursor. Registries that read one shared log
   * (one EVM deployment) have the same id. Ids are opaque strings of at most {@value #MAX_LOG_ID_LENGTH} printable
   * ASCII characters.
   *
   * <p>This default, {@code ""}, means "no identity": a reader can then only tell a new log by a {@link Page#next()}
   * lower than its cursor.
   */
  default String logId() {
    return "";
  }

  /** The longest {@link #logId()}. */
  int MAX_LOG_ID_LENGTH = LogPosition.MAX_LOG_ID_LENGTH;

  /** Called after each newly stored record, on the storing thread. */
  void onStored(Consumer<SignedRecord> listener);

  /** What {@link #submit} did. */
  enum Submitted {
    STORED,
    ALREADY_KNOWN
  }

  /** A page of records and the cursor after them. */
  record Page(List<SignedRecord> records, long next, boolean more) {}

  /**
   * What identifies one record of the log: {@code type} ({@code "service"} or {@code "server"}), {@code id} (the
   * service id, or the server's key) and, for a server, its {@code seq} (0 for a service).
   */
  record Entry(String type, String id, long seq) {
    /** The entry of {@code record}; a service's id is hashed from it. */
    public static Entry of(SignedRecord record) {
      return switch (record) {
        case ServiceRecord s -> new Entry(ServiceRecord.TYPE, s.serviceId(), 0);
        case ServerRecord s -> new Entry(ServerRecord.TYPE, s.key().toString(), s.seq());
      };
    }
  }

  /** A page of the log's index ({@link #indexSince}) and the cursor after it. */
  record IndexPage(List<Entry> entries, long next, boolean more) {}

  @Override
  void close();
}
