package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * An operator's commands for a running node, instead of raw JSON-RPC: {@code offer}, {@code withdraw} and
 * {@code reward} change what it runs and wants run (admin methods, with its bearer token); {@code status} shows it.
 */
final class AdminCommands {
  private AdminCommands() {}

  /** Where a node is and how to prove the right to administer it. */
  static final class Target {
    @Option(names = "--node", required = true, paramLabel = "URL", description = "the node to administer")
    URI node;

    @Option(names = {"--token-file", "--admin-token-file"}, paramLabel = "FILE",
        description = "the node's admin token (default: DIR/admin.token with --data-dir, else the token of the "
            + "node started at that address on this machine)")
    Path tokenFile;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "the data dir of a node on this machine: its admin.token is used")
    Path dataDir;

    NodeClient admin() throws IOException {
      Path file = tokenFile != null ? tokenFile : dataDir != null ? dataDir.resolve("admin.token")
          : LocalNodes.tokenFile(node).orElse(null);
      if (file == null) {
        throw new Errors.UserException("give --token-file FILE or --data-dir DIR: no node on this machine was "
            + "started at " + node);
      }
      String option = tokenFile != null ? "--token-file" : dataDir != null ? "--data-dir" : "the admin token";
      try {
        String token = Files.readString(file).strip();
        if (token.isEmpty()) {
          throw new Errors.UserException(option + ": " + file + " is empty");
        }
        return new NodeClient(node, token);
      } catch (NoSuchFileException e) {
        throw new Errors.UserException(option + ": no such token file: " + file);
      }
    }
  }

  /** The id of SERVICE: a service id as given, or the id of the one service of that name the node knows. */
  static String serviceId(String service, NodeClient client) throws IOException {
    try {
      return Cid.parse(service).toString();
    } catch (IllegalArgumentException notACid) {
      // a name, looked up below
    }
    if (!service.matches("[A-Za-z0-9._/-]{1,64}")) {
      throw new Errors.UserException("SERVICE '" + service + "' is neither a service id nor a service name");
    }
    List<SignedRecord> records = client.records();
    List<String> ids = records.stream().filter(r -> r instanceof ServiceRecord s && s.name().equals(service))
        .map(r -> ((ServiceRecord) r).serviceId()).distinct().toList();
    if (ids.size() != 1) {
      throw new Errors.UserException(ids.isEmpty() ? "no service named '" + service + "' at " + client.base()
          : "several services are named '" + service + "'; give its id: " + String.join(", ", ids));
    }
    return ids.get(0);
  }

  /** One admin method about one service; prints the node's status afterwards (or the raw answer with --json). */
  abstract static class ServiceChange implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SERVICE", description = "a service id, or a service's name")
    String service;

    @picocli.CommandLine.Mixin Target target = new Target();

    @Option(names = "--json", description = "print the node's status as JSON afterwards") boolean json;

    abstract String method();

    void params(ObjectNode p) {}

    @Override
    public Integer call() throws Exception {
      NodeClient client = target.admin();
      ObjectNode p = Json.object();
      p.put("service", serviceId(service, client));
      params(p);
      JsonNode status = client.rpc(method(), p);
      Status.print(status, json);
      return 0;
    }
  }

  @Command(name = "offer", mixinStandardHelpOptions = true,
      description = "Have a node run a service (tandem_offer); it fetches the module and announces the offer.")
  static final class Offer extends ServiceChange {
    @Override
    String method() {
      return "tandem_offer";
    }
  }

  @Command(name = "withdraw", mixinStandardHelpOptions = true,
      description = "Have a node stop running a service (tandem_withdraw).")
  static final class Withdraw extends ServiceChange {
    @Override
    String method() {
      return "tandem_withdraw";
    }
  }

  @Command(name = "reward", mixinStandardHelpOptions = true,
      description = "Say that a node wants a service run by others (tandem_reward); --remove takes it back.")
  static final class Reward extends ServiceChange {
    @Option(names = "--remove", description = "stop rewarding the service") boolean remove;

    @Override
    String method() {
      return "tandem_reward";
    }

    @Override
    void params(ObjectNode p) {
      if (remove) {
        p.put("remove", true);
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "A node's key, URL, version, uptime, the services it runs and rewards, its registry and peers.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--node", required = true, paramLabel = "URL") URI node;

    @Option(names = "--json", description = "the raw tandem_status answer") boolean json;

    @Override
    public Integer call() throws Exception {
      print(new NodeClient(node).status(), json);
      return 0;
    }

    static void print(JsonNode s, boolean json) {
      if (json) {
        System.out.println(s.toPrettyString());
        return;
      }
      System.out.printf("node      %s%n", s.path("key").asText());
      System.out.printf("url       %s (version %s, up %d s)%n", s.path("url").asText(), s.path("version").asText(),
          s.path("uptimeMs").asLong() / 1000);
      System.out.printf("offers    %s%n", list(s.path("offers")));
      for (Map.Entry<String, JsonNode> e : s.path("pending").properties()) {
        System.out.printf("pending   %s: %s%n", e.getKey(), e.getValue().asText());
      }
      System.out.printf("rewards   %s%n", list(s.path("rewards")));
      System.out.printf("registry  %d services, %d servers%n", s.path("registry").path("services").asInt(),
          s.path("registry").path("servers").asInt());
      System.out.printf("peers     %s%n", list(s.path("peers")));
      if (s.has("fault")) {
        System.out.printf("fault     %s (a test node that misbehaves on purpose)%n", s.path("fault").asText());
      }
    }

    private static String list(JsonNode array) {
      if (array.isEmpty()) {
        return "-";
      }
      StringBuilder b = new StringBuilder();
      array.forEach(n -> b.append(b.isEmpty() ? "" : " ").append(n.asText()));
      return b.toString();
    }
  }
}
