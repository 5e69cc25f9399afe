package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem services} and {@code tandem servers}: the registry as a node, or a chain, holds it. */
final class RegistryListCommands {
  private RegistryListCommands() {}

  /** Where the records are read from: a node's registry, or the registry contracts on an EVM chain. */
  static final class Source {
    @Option(names = "--node", paramLabel = "URL", description = "the node whose registry to list")
    URI node;

    @Option(names = "--registry", paramLabel = "SPEC",
        description = "list the registry on an EVM chain instead: evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY")
    String registry;

    /** Every record the source holds: services, and the current record of each server. */
    List<SignedRecord> records() throws java.io.IOException {
      if ((node == null) == (registry == null)) {
        throw new Errors.UserException("give one of --node URL and --registry evm:…");
      }
      if (node != null) {
        return new NodeClient(node).records();
      }
      try (var chain = dev.tandem.registry.evm.EvmRegistry.connect(registry, null)) { // reading needs no key
        List<SignedRecord> all = new java.util.ArrayList<>(chain.services());
        all.addAll(chain.servers());
        return all;
      } catch (IllegalArgumentException e) {
        throw new Errors.UserException("--registry: " + e.getMessage());
      }
    }
  }

  /** The newest record of each server (a log may still hold superseded ones). */
  static List<ServerRecord> current(List<SignedRecord> records) {
    Map<String, ServerRecord> byKey = new java.util.HashMap<>();
    for (SignedRecord r : records) {
      if (r instanceof ServerRecord s) {
        byKey.merge(s.key().toString(), s, (a, b) -> a.seq() >= b.seq() ? a : b);
      }
    }
    return List.copyOf(byKey.values());
  }

  @Command(name = "services", description = "List the services in a node's registry (or on a chain with --registry).",
      mixinStandardHelpOptions = true)
  static final class Services implements Callable<Integer> {
    @picocli.CommandLine.Mixin Source source = new Source();
    @Option(names = "--json", description = "one JSON array of records") boolean json;

    @Override
    public Integer call() throws Exception {
      List<SignedRecord> records = source.records();
      List<ServiceRecord> services = records.stream().filter(r -> r instanceof ServiceRecord)
          .map(r -> (ServiceRecord) r).sorted(Comparator.comparing(ServiceRecord::name)).toList();
      Map<String, Long> offeredBy = current(records).stream().filter(s -> !s.retired())
          .flatMap(s -> s.offers().stream())
          .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
      if (json) {
        ArrayNode out = Json.nodes().arrayNode();
        services.forEach(s -> out.add(s.toJson().put("id", s.serviceId())
            .put("qualifiedName", ServiceNames.qualified(s, services))));
        System.out.println(out.toPrettyString());
        return 0;
      }
      System.out.printf("%-16s %-26s %-8s %-13s %-60s %-7s %s%n", "NAME", "QUALIFIED NAME", "VERSION", "ABI",
          "SERVICE ID", "SERVERS", "MODULE");
      for (ServiceRecord s : services) {
        System.out.printf("%-16s %-26s %-8s %-13s %-60s %-7d %s%n", s.name(), ServiceNames.qualified(s, services),
            s.version(), s.abi(), s.serviceId(), offeredBy.getOrDefault(s.serviceId(), 0L), s.code());
      }
      return 0;
    }
  }

  @Command(name = "servers", description = "List the servers in a node's registry (or on a chain with --registry).",
      mixinStandardHelpOptions = true)
  static final class Servers implements Callable<Integer> {
    @picocli.CommandLine.Mixin Source source = new Source();
    @Option(names = "--json", description = "one JSON array of records") boolean json;

    @Override
    public Integer call() throws Exception {
      List<ServerRecord> servers = current(source.records()).stream()
          .sorted(Comparator.comparing(s -> s.url().toString())).toList();
      if (json) {
        ArrayNode out = Json.nodes().arrayNode();
        servers.forEach(s -> out.add(s.toJson()));
        System.out.println(out.toPrettyString());
        return 0;
      }
      System.out.printf("%-28s %-52s %6s %7s %s%n", "URL", "KEY", "OFFERS", "REWARDS", "SEQ");
      for (ServerRecord s : servers) {
        System.out.printf("%-28s %-52s %6d %7d %d%s%n", s.url(), s.key(), s.offers().size(), s.rewards().size(),
            s.seq(), s.retired() ? " retired" : "");
      }
      return 0;
    }
  }
}
