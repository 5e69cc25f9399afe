package dev.tandem.registry.store;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry's lists, as immutable indexes over its current records that the first reader after a change rebuilds:
 * one for services and one for servers, so a burst of new services (a gossip catch-up) leaves the servers' index
 * alone.
 */
final class LiveIndexes {
  private final Map<String, ServiceRecord> services;
  private final Map<PublicKey, ServerRecord> servers;
  /**
   * The same records as {@code servers}, by the key's text (the log's row id): reading the log or answering an index
   * entry then needs no key decoded.
   */
  private final Map<String, ServerRecord> serversByText = new ConcurrentHashMap<>();
  /**
   * Orders a map change and the dropping of its index against a reader rebuilding that index: without it, a reader
   * could publish an index built just before the change, and it would stay stale until the next one.
   */
  private final Object lock = new Object();
  /** Null after a change until the next reader that needs it rebuilds it. */
  private volatile ServiceIndex serviceIndex;
  private volatile ServerIndex serverIndex;

  /** Indexes over the live maps {@code services} (by id) and {@code servers} (by key), changed only through this. */
  LiveIndexes(Map<String, ServiceRecord> services, Map<PublicKey, ServerRecord> servers) {
    this.services = services;
    this.servers = servers;
  }

  void put(String id, ServiceRecord s) {
    synchronized (lock) {
      services.put(id, s);
      serviceIndex = null;
    }
  }

  void put(ServerRecord s) {
    synchronized (lock) {
      servers.put(s.key(), s);
      serversByText.put(s.key().toString(), s);
      serverIndex = null;
    }
  }

  /** The current record of the server whose key's text is {@code key}, or null. */
  ServerRecord server(String key) {
    return serversByText.get(key);
  }

  ServiceIndex services() {
    ServiceIndex index = serviceIndex;
    if (index == null) {
      synchronized (lock) {
        index = serviceIndex;
        if (index == null) {
          serviceIndex = index = new ServiceIndex(services);
        }
      }
    }
    return index;
  }

  ServerIndex servers() {
    ServerIndex index = serverIndex;
    if (index == null) {
      synchronized (lock) {
        index = serverIndex;
        if (index == null) {
          serverIndex = index = new ServerIndex(servers);
        }
      }
    }
    return index;
  }
}
