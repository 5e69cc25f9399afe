package dev.tandem.sim;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The records every simulated party reads, in memory. Records are signed and checked like any others; only the
 * storage is simplified, since the simulation does not exercise registry gossip. Sorted maps keep every listing in
 * a stable order.
 */
final class SimRegistry implements Registry {
  private final TreeMap<String, ServiceRecord> services = new TreeMap<>();
  private final TreeMap<PublicKey, ServerRecord> servers = new TreeMap<>();
  private final List<SignedRecord> log = new ArrayList<>();

  @Override
  public Submitted submit(SignedRecord record) {
    record.verifySignature();
    switch (record) {
      case ServiceRecord s -> {
        if (services.putIfAbsent(s.serviceId(), s) != null) {
          return Submitted.ALREADY_KNOWN;
        }
      }
      case ServerRecord s -> {
        ServerRecord old = servers.get(s.key());
        if (old != null && old.seq() >= s.seq()) {
          return Submitted.ALREADY_KNOWN;
        }
        servers.put(s.key(), s);
      }
    }
    log.add(record);
    return Submitted.STORED;
  }

  @Override
  public Optional<ServiceRecord> service(String serviceId) {
    return Optional.ofNullable(services.get(serviceId));
  }

  @Override
  public List<ServiceRecord> services() {
    return List.copyOf(services.values());
  }

  @Override
  public Optional<ServerRecord> server(PublicKey key) {
    return Optional.ofNullable(servers.get(key));
  }

  @Override
  public List<ServerRecord> servers() {
    return servers.values().stream().filter(s -> !s.retired()).toList();
  }

  @Override
  public Page since(long cursor, int limit) {
    int from = (int) Math.min(Math.max(cursor, 0), log.size());
    int to = Math.min(log.size(), from + limit);
    return new Page(List.copyOf(log.subList(from, to)), to, to < log.size());
  }

  @Override
  public void onStored(Consumer<SignedRecord> listener) {
    // records are all stored before the run starts
  }

  @Override
  public void close() {}
}
