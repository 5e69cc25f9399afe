package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.score.FileScoreStore;
import dev.tandem.core.json.Json;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The Java SDK example of the README, compiled and run by {@link ReadmeExampleTest} against real nodes. The code
 * between the markers is what {@code docs/sdk-example.md} (and README.md) show, verbatim.
 */
public final class ReadmeExample {
  private ReadmeExample() {}

  // sdk-example:start
  /** Calls the "echo" service through the network and returns the verified result. */
  static JsonNode callEcho(URI node, Path scores) throws Exception {
    try (TandemClient client = TandemClient.builder()
        .bootstrap(List.of(node))                      // any node: every record is verified locally
        .scoreStore(new FileScoreStore(scores))        // scores and convictions survive restarts
        .build()) {
      ServiceHandle echo = client.service("echo");     // by name or by service id
      JsonNode params = Json.parse("{\"hello\":\"tandem\"}");
      try {
        CallReport report = echo.callWithReport("echo", params);
        System.out.println(report.votes().size() + " servers signed the same answer");
        return report.result().orElseThrow();          // {"hello":"tandem"}, verified
      } catch (ServiceErrorException e) {              // the service's own error, verified: fix the request
        throw new IllegalArgumentException("echo refused: " + e.code() + " " + e.errorMessage(), e);
      } catch (UnverifiableException e) {
        throw new IllegalStateException("no verified answer: " + e.reasons(), e);  // never a wrong one
      }
    }
  }
  // sdk-example:end
}
