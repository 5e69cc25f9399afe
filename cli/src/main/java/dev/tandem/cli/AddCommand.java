package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem add FILE --node URL}: stores a file (a module or data) on a node and prints its CIDs. */
@Command(name = "add", description = "Store a file (module or data) on a node, as its UnixFS DAG, and print its CIDs.",
    mixinStandardHelpOptions = true)
final class AddCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the file to store")
  Path file;

  @Option(names = "--node", required = true, paramLabel = "URL", description = "the node to store it on")
  URI node;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "the node's admin token file (DIR/admin.token of the node)")
  Path tokenFile;

  @Option(names = "--json", description = "print the node's answer as JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new Errors.UserException("no such file: " + file);
    }
    if (tokenFile == null) {
      throw new Errors.UserException("--admin-token-file is required: only a node's operator stores files on it");
    }
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = node.toString().endsWith("/") ? node.toString() : node + "/";
    HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(base + "ipfs"))
        .timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofByteArray());
    JsonNode answer = Json.parse(res.body());
    if (res.statusCode() != 200) {
      throw new Errors.UserException("the node refused the file: "
          + answer.path("error").path("message").asText("HTTP " + res.statusCode()), Errors.FAILED);
    }
    if (json) {
      System.out.println(answer.toPrettyString());
    } else {
      System.out.println(answer.get("v1").asText() + "  (ipfs add --cid-version 1)");
      System.out.println(answer.get("v0").asText() + "  (ipfs add)");
      System.out.println(answer.get("raw").asText() + "  (raw: the CID a module is registered by)");
    }
    return 0;
  }
}
