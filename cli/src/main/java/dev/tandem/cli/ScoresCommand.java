package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.json.Json;
import java.net.URI;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "scores", description = "List a node's scores of other servers, and its blacklist.",
    mixinStandardHelpOptions = true)
final class ScoresCommand implements Callable<Integer> {
  @Option(names = "--node", required = true, paramLabel = "URL") URI node;
  @Option(names = "--json", description = "the raw tandem_scores answer") boolean json;

  @Override
  public Integer call() throws Exception {
    JsonNode res = new NodeClient(node).rpc("tandem_scores", Json.object());
    if (json) {
      System.out.println(res.toPrettyString());
      return 0;
    }
    System.out.printf("%-52s %-26s %5s %-11s %9s %8s %8s %s%n", "SERVER", "URL", "SCORE", "BLACKLIST", "LATENCY",
        "OK", "FAILED", "CONVICTED");
    for (JsonNode s : res.path("scores")) {
      long convicted = s.path("convictedAt").asLong();
      System.out.printf("%-52s %-26s %5d %-11s %7.1fms %8d %8d %s%n", s.path("server").asText(),
          s.path("url").asText("-"), s.path("score").asInt(), s.path("blacklisted").asBoolean() ? "blacklisted" : "-",
          s.path("latencyMs").asDouble(), s.path("successes").asLong(), s.path("failures").asLong(),
          convicted == 0 ? "-" : Instant.ofEpochMilli(convicted).toString());
    }
    return 0;
  }
}
