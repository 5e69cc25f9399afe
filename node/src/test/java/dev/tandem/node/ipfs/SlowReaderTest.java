package dev.tandem.node.ipfs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader that does not read holds a gateway answer in the node's memory: those bytes are capped
 * ({@code --gateway-mb}), so further GETs are refused at once instead of piling up, and they are let go as soon as the
 * reader leaves.
 */
class SlowReaderTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir Path dir;

  @Test
  void answersHeldByReadersThatDoNotReadAreCappedAndLetGoWhenTheyLeave() throws Exception {
    byte[] file = new byte[12 << 20];
    new Random(5).nextBytes(file);
    try (Node node = Node.start(NodeConfig.builder(dir.resolve("n")).listen("127.0.0.1:0")
        .limit(Limit.GATEWAY_MB, 16).build())) {
      String token = Files.readString(dir.resolve("n").resolve("admin.token")).trim();
      HttpResponse<byte[]> added = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs"))
          .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(added.statusCode()).isEqualTo(200);
      String path = "/ipfs/" + Json.parse(added.body()).get("raw").asText();

      try (Socket stalled = new Socket()) {
        stalled.setReceiveBufferSize(4096); // the 12 MiB cannot all go into socket buffers
        stalled.connect(new InetSocketAddress(node.url().getHost(), node.url().getPort()), 2000);
        stalled.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        stalled.getOutputStream().flush();
        InputStream in = stalled.getInputStream();
        assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");

        // The first answer holds 12 of the 16 MiB while it is not read: another does not fit, and is refused.
        HttpResponse<byte[]> refused = get(node, path);
        assertThat(refused.statusCode()).isEqualTo(503);
        JsonNode error = Json.parse(refused.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(RpcErrors.OVERLOADED);
        assertThat(error.get("message").asText()).contains("--gateway-mb");
      }
      // The stalled reader hung up: its bytes are let go.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      HttpResponse<byte[]> again = get(node, path);
      while (again.statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(100);
        again = get(node, path);
      }
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(again.body()).isEqualTo(file);
    }
  }

  static HttpResponse<byte[]> get(Node node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
