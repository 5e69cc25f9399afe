package dev.tandem.registry.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a new record may enter the registry: server URLs and service homes must be origins, and the
 * {@link RegistryQuotas} must hold. Called under the registry's write lock with its current records; keeps the
 * per-key write times of the last hour. Records already stored are not judged again (they may predate a rule).
 */
final class Admission {
  private static final long HOUR_MS = 3_600_000;
  private volatile RegistryQuotas quotas = RegistryQuotas.NONE;
  /** Key → times (ms) of its records stored in the last hour. */
  private final Map<PublicKey, Deque<Long>> writes = new HashMap<>();

  void quotas(RegistryQuotas q) {
    quotas = q;
  }

  RegistryQuotas quotas() {
    return quotas;
  }

  /**
   * Throws when {@code record} may not be stored.
   *
   * @param replacedBytes the size of the record it replaces (0 when none)
   * @param totalBytes the size of every stored record
   */
  void check(SignedRecord record, int bytes, int replacedBytes, long totalBytes, Collection<ServiceRecord> services,
      Collection<ServerRecord> servers, long now) {
    RegistryQuotas q = quotas;
    RecordRules.check(record, q.maxOffers(), q.maxRewards(), true);
    switch (record) {
      case ServerRecord s -> {
        if (q.maxServersPerHost() > 0 && !s.retired()) {
          String host = s.url().getHost().toLowerCase(Locale.ROOT);
          long same = servers.stream().filter(o -> !o.key().equals(s.key()) && !o.retired()
              && o.url().getHost().toLowerCase(Locale.ROOT).equals(host)).count();
          over(q.maxServersPerHost(), (int) same + 1, "url", "would make " + (same + 1) + " servers at host " + host,
              "max-servers-per-host");
        }
      }
      case ServiceRecord s -> {
        if (q.maxServicesPerKey() > 0) {
          long owned = services.stream().filter(o -> o.owner().equals(s.owner())).count();
          over(q.maxServicesPerKey(), (int) owned + 1, "owner", "would own " + (owned + 1) + " services",
              "max-services-per-key");
        }
      }
    }
    if (q.recordsPerKeyPerHour() > 0) {
      Deque<Long> times = recent(record.author(), now);
      over(q.recordsPerKeyPerHour(), times.size() + 1, record instanceof ServerRecord ? "key" : "owner",
          "has added " + times.size() + " records in the last hour", "records-per-key-per-hour");
    }
    boolean grows = bytes > replacedBytes;
    if (q.maxBytes() > 0 && grows && totalBytes - replacedBytes + bytes > q.maxBytes()) {
      throw new RecordException("record", "quota: the registry is full (" + totalBytes + " bytes of records, limit "
          + q.maxBytes() + ", --max-registry-mb); new records are refused until room is made");
    }
  }

  /** Notes that {@code author} stored a record at {@code now}. */
  void stored(PublicKey author, long now) {
    if (quotas.recordsPerKeyPerHour() > 0) {
      recent(author, now).addLast(now);
    }
  }

  private Deque<Long> recent(PublicKey author, long now) {
    if (writes.size() > 100_000) {
      prune(now);
    }
    Deque<Long> times = writes.computeIfAbsent(author, k -> new ArrayDeque<>());
    while (!times.isEmpty() && now - times.peekFirst() >= HOUR_MS) {
      times.pollFirst();
    }
    return times;
  }

  private void prune(long now) {
    for (Iterator<Deque<Long>> it = writes.values().iterator(); it.hasNext(); ) {
      Deque<Long> t = it.next();
      if (t.isEmpty() || now - t.peekLast() >= HOUR_MS) {
        it.remove();
      }
    }
  }

  private static void over(int limit, int value, String field, String what, String flag) {
    RecordRules.over(limit, value, field, what, "--" + flag);
  }
}
