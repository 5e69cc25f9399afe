package dev.tandem.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.json.Json;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests for files outside the module store ({@code GET /ipfs/../node.key} and its encoded, doubled, backslashed,
 * absolute and absolute-form variants, and the same against the dashboard's static files) are refused with a 4xx,
 * and no answer ever carries a byte of the node's secrets: the key's seed, the admin token, the database, a file
 * planted next to the data dir, {@code /etc/passwd}.
 *
 * <p>Requests go over a raw socket so that nothing on the client side normalizes {@code ..} or re-encodes the path:
 * the node sees exactly what an attacker would send.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PathTraversalTest {
  @TempDir static Path dir;
  Node node;
  Path data;
  /** Secret text → the file it comes from, for the failure message. */
  final Map<String, String> secrets = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    data = dir.resolve("node");
    node = Node.start(NodeConfig.builder(data).listen("127.0.0.1:0").build());
    secrets.put(Json.parse(Files.readAllBytes(data.resolve("node.key"))).path("seed").asText(), "node.key seed");
    secrets.put(Wire.adminToken(node), "admin.token");
    secrets.put("SQLite format 3", "registry.db");
    secrets.put("\"maxConcurrentCallsPerService\"", "node.json");
    String planted = "planted-" + UUID.randomUUID();
    Files.writeString(dir.resolve("secret.txt"), planted);
    secrets.put(planted, "secret.txt next to the data dir");
    // A file inside the module store whose name is not a CID: reachable by name only if names are trusted.
    String inStore = "in-store-" + UUID.randomUUID();
    Files.writeString(data.resolve("modules").resolve("notes.txt"), inStore);
    secrets.put(inStore, "modules/notes.txt");
    if (Files.isReadable(Path.of("/etc/passwd"))) {
      secrets.put("root:x:0:0", "/etc/passwd");
    }
  }

  @AfterAll
  void stop() {
    node.close();
  }

  /** Every way of spelling "a file outside the store" that this test tries, relative to a route prefix. */
  List<String> payloads() {
    String abs = data.toAbsolutePath().toString();
    List<String> names = List.of("node.key", "admin.token", "registry.db", "node.json", "../secret.txt");
    List<String> out = new ArrayList<>();
    for (String name : names) {
      out.add("../" + name);
      out.add("../../" + name);
      out.add("..%2f" + name);
      out.add("..%2F" + name);
      out.add("%2e%2e/" + name);
      out.add("%2e%2e%2f" + name);
      out.add(".%2e/" + name);
      out.add("%2e./" + name);
      out.add("..%252f" + name); // decoded twice by a careless server
      out.add("%252e%252e%252f" + name);
      out.add("..\\" + name);
      out.add("..%5c" + name);
      out.add("%c0%ae%c0%ae/" + name); // overlong UTF-8 dots
      out.add("....//" + name);
      out.add("..;/" + name); // path parameter, as some servers strip it after matching
      out.add(name);
      out.add("./" + name);
      out.add("%00../" + name);
      out.add(name + "%00.wasm");
      out.add(abs + "/" + name);
      out.add(URLEncoder.encode(abs + "/" + name, StandardCharsets.UTF_8));
      out.add("file:" + abs + "/" + name);
      out.add("file://" + abs + "/" + name);
    }
    out.add("modules/notes.txt");
    out.add("notes.txt");
    out.add("/etc/passwd");
    out.add("%2fetc%2fpasswd");
    out.add("//etc/passwd");
    out.add("file:///etc/passwd");
    out.add("../../../../../../../../etc/passwd");
    out.add("..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd");
    return out;
  }

  @Test
  void pathsOutsideTheModuleStoreAreRefusedAndNeverServeFileContents() throws Exception {
    List<String> prefixes = List.of("/ipfs/", "/dashboard/", "/dashboard/vendor/", "/");
    int requests = 0;
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    for (String prefix : prefixes) {
      for (String payload : payloads()) {
        String target = prefix + payload;
        for (String t : List.of(target, node.url() + target)) { // origin-form, then absolute-form
          Wire.Reply reply = Wire.raw(node.url(), "GET", t);
          requests++;
          statuses.merge(reply.status(), 1, Integer::sum);
          assertThat(reply.status()).as("GET %s", t).isBetween(400, 499);
          String body = reply.text();
          secrets.forEach((secret, file) -> assertThat(body).as("GET %s leaks %s", t, file).doesNotContain(secret));
        }
      }
    }
    System.out.println("path traversal: " + requests + " requests, statuses " + statuses);
    assertThat(requests).isGreaterThan(800);
    // Still serving after all that: the store answers for a CID it does not hold with a clean 404.
    Wire.Reply missing = Wire.raw(node.url(), "GET",
        "/ipfs/bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(Wire.raw(node.url(), "GET", "/health").status()).isEqualTo(200);
  }

  @Test
  void headRequestsAreRefusedTheSameWay() throws Exception {
    for (String payload : List.of("../node.key", "..%2fnode.key", "%2e%2e%2fadmin.token",
        data.toAbsolutePath() + "/node.key")) {
      Wire.Reply reply = Wire.raw(node.url(), "HEAD", "/ipfs/" + payload);
      assertThat(reply.status()).as("HEAD /ipfs/%s", payload).isBetween(400, 499);
    }
  }
}
