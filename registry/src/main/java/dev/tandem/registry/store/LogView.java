package dev.tandem.registry.store;

import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The registry's log as gossip reads it: pages of records or of their index entries after a cursor, and records by
 * id. Every record comes from the in-memory maps (they hold exactly the records of the table's rows), so nothing is
 * parsed, written as JSON or hashed here.
 */
final class LogView {
  private final RecordTable table;
  private final Map<String, ServiceRecord> services;
  private final LiveIndexes indexes;
  /** Bytes of JSON of each stored record, by id. */
  private final Map<String, Integer> sizes;

  LogView(RecordTable table, Map<String, ServiceRecord> services, LiveIndexes indexes, Map<String, Integer> sizes) {
    this.table = table;
    this.services = services;
    this.indexes = indexes;
    this.sizes = sizes;
  }

  /** Up to {@code limit} rows after {@code cursor}: their ids and records, and where the next page starts. */
  private record Slice(List<String> ids, List<SignedRecord> records, long next, boolean more) {}

  Registry.Page since(long cursor, int limit) {
    Slice s = slice(cursor, limit);
    return new Registry.Page(List.copyOf(s.records), s.next, s.more);
  }

  Registry.IndexPage indexSince(long cursor, int limit) {
    Slice s = slice(cursor, limit);
    List<Registry.Entry> entries = new ArrayList<>(s.records.size());
    for (int i = 0; i < s.records.size(); i++) {
      entries.add(switch (s.records.get(i)) {
        case ServiceRecord r -> new Registry.Entry(ServiceRecord.TYPE, s.ids.get(i), 0);
        case ServerRecord r -> new Registry.Entry(ServerRecord.TYPE, s.ids.get(i), r.seq());
      });
    }
    return new Registry.IndexPage(List.copyOf(entries), s.next, s.more);
  }

  private Slice slice(long cursor, int limit) {
    if (cursor < 0) {
      throw new IllegalArgumentException("cursor must be 0 or more, got " + cursor);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be 1 or more, got " + limit);
    }
    int max = Math.min(limit, SqliteRegistry.MAX_PAGE);
    List<String> ids = new ArrayList<>();
    List<SignedRecord> records = new ArrayList<>();
    long next = cursor;
    boolean more = false;
    table.lock.lock();
    try {
      table.ensureOpen();
      long bytes = 0;
      for (RecordTable.LogRow row : table.after(cursor, max + 1)) {
        if (records.size() == max || (!records.isEmpty() && bytes + row.size() > SqliteRegistry.MAX_PAGE_BYTES)) {
          more = true;
          break;
        }
        // The maps hold exactly the records of the table's rows (both change under the table's lock, which we
        // hold), so the row's record comes from memory instead of being parsed again.
        SignedRecord record = ServerRecord.TYPE.equals(row.type()) ? indexes.server(row.id()) : services.get(row.id());
        if (record != null) {
          ids.add(row.id());
          records.add(record);
          bytes += row.size();
        } // else: a row that did not load (see SqliteRegistry.load); skip it but move past it
        next = row.seqNo();
      }
      if (records.isEmpty() && !more) {
        next = Math.min(cursor, table.endOfLog());
      }
    } finally {
      table.lock.unlock();
    }
    return new Slice(ids, records, next, more);
  }

  /** The current records with these ids, in the order asked, up to about 4 MiB of JSON (at least one). */
  List<SignedRecord> records(Collection<String> ids) {
    List<SignedRecord> found = new ArrayList<>();
    long bytes = 0;
    for (String id : ids) {
      if (id == null) {
        continue;
      }
      SignedRecord record = services.get(id);
      if (record == null) {
        record = indexes.server(id);
      }
      if (record == null) {
        continue;
      }
      bytes += sizes.getOrDefault(id, 0);
      if (!found.isEmpty() && bytes > SqliteRegistry.MAX_PAGE_BYTES) {
        break;
      }
      found.add(record);
    }
    return found;
  }

  boolean holds(Registry.Entry entry) {
    if (ServiceRecord.TYPE.equals(entry.type())) {
      return services.containsKey(entry.id());
    }
    ServerRecord s = indexes.server(entry.id());
    if (s != null) {
      return s.seq() >= entry.seq();
    }
    return !entry.id().startsWith(dev.tandem.core.crypto.PublicKey.PREFIX); // not a key: nothing to fetch
  }
}
