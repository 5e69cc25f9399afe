package dev.tandem.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Size limits on every path that takes a body: {@code POST /ipfs} (the operator's uploads, {@code --max-upload-mb}),
 * {@code /rpc} and {@code /services} ({@code --max-body-bytes}) and batches ({@code --max-batch}). An upload is
 * refused before its body is read when the token is missing or the declared size is over the limit.
 */
class UploadLimitTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @TempDir Path dir;

  @Test
  void everyBodyHasALimitAndAClearError() throws Exception {
    try (Node node = Node.start(NodeConfig.builder(dir.resolve("n")).listen("127.0.0.1:0")
        .limit(Limit.MAX_UPLOAD_MB, 1).limit(Limit.MAX_BODY_BYTES, 4096).limit(Limit.MAX_BATCH, 3).build())) {
      String token = Files.readString(dir.resolve("n/admin.token")).trim();
      long blocks = count(dir.resolve("n/blocks"));

      HttpResponse<String> big = upload(node, token, new byte[(1 << 20) + 1]);
      assertThat(big.statusCode()).isEqualTo(413);
      JsonNode error = Json.parse(big.body()).path("error");
      assertThat(error.path("code").asInt()).isEqualTo(RpcErrors.TOO_LARGE);
      assertThat(error.path("message").asText()).contains("file of 1048577 bytes").contains("--max-upload-mb");
      assertThat(count(dir.resolve("n/blocks"))).as("blocks after a refused upload").isEqualTo(blocks);

      HttpResponse<String> fits = upload(node, token, new byte[1 << 19]);
      assertThat(fits.statusCode()).as(fits.body()).isEqualTo(200);
      assertThat(Json.parse(fits.body()).path("size").asInt()).isEqualTo(1 << 19);

      // Declared sizes are judged before the body: nothing of it is sent, and the answer comes at once.
      assertThat(headersOnly(node, null, 1_000_000_000L)).startsWith("HTTP/1.1 401");
      assertThat(headersOnly(node, token, 1_000_000_000L)).startsWith("HTTP/1.1 413").contains("--max-upload-mb");

      HttpResponse<String> rpc = post(node.url() + "/rpc", "[" + "1,".repeat(3000) + "1]");
      assertThat(rpc.statusCode()).isEqualTo(413);
      assertThat(Json.parse(rpc.body()).path("error").path("message").asText()).contains("--max-body-bytes");
      String one = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tandem_status\"}";
      JsonNode batch = Json.parse(post(node.url() + "/rpc", "[" + String.join(",", one, one, one, one) + "]")
          .body());
      assertThat(batch.path("error").path("code").asInt()).isEqualTo(RpcErrors.INVALID_REQUEST);
      assertThat(batch.path("error").path("message").asText()).contains("the limit is 3");
    }
  }

  @Test
  void bodyLimitsWrittenByEarlierReleasesAtTheTopOfNodeJsonStillApply() throws Exception {
    Path data = dir.resolve("old");
    Files.createDirectories(data);
    Files.writeString(data.resolve("node.json"), "{\"maxBodyBytes\": 1234, \"maxBatch\": 7}");
    NodeConfig config = NodeConfig.builder(data).loadFile().build();
    assertThat(config.limits().get(Limit.MAX_BODY_BYTES)).isEqualTo(1234);
    assertThat(config.limits().get(Limit.MAX_BATCH)).isEqualTo(7);
  }

  private static HttpResponse<String> upload(Node node, String token, byte[] file) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs")).header("Authorization", "Bearer "
        + token).POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a POST /ipfs declaring {@code length} bytes but no body, and returns what the node answers. */
  private static String headersOnly(Node node, String token, long length) throws Exception {
    try (Socket s = new Socket(node.url().getHost(), node.url().getPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /ipfs HTTP/1.1\r\nHost: x\r\n" + (token == null ? "" : "Authorization: Bearer " + token
          + "\r\n") + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      int n = in.read(buf);
      return new String(buf, 0, Math.max(0, n), StandardCharsets.UTF_8);
    }
  }

  private static long count(Path tree) throws java.io.IOException {
    if (!Files.isDirectory(tree)) {
      return 0;
    }
    try (var files = Files.walk(tree)) {
      return files.count();
    }
  }
}
