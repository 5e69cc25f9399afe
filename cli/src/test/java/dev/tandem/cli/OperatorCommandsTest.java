package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** An operator's life without curl: flags in a file, offers without naming the token, logs as JSON lines. */
class OperatorCommandsTest {
  @TempDir Path dir;

  @Test
  void aNodeTakesItsFlagsFromAFileFlagsWinAndOfferFindsTheLocalToken() throws Exception {
    byte[] wasm = Files.readAllBytes(TestPaths.repoRoot().resolve("services/echo/echo.wasm"));
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
    ServiceRecord other = ServiceRecord.builder().name("other").module(Cid.rawSha256(new byte[] {1}))
        .sign(KeyPair.generate());
    Path config = dir.resolve("node.conf");
    Files.writeString(config, String.join("\n", "# the operator's flags",
        "listen = 127.0.0.1:1", // the command line's --listen wins: the node does not take port 1
        "--reward " + other.serviceId(),
        "max-services: 5",
        ""));
    try (NodeProcess node = NodeProcess.start(dir.resolve("data"), "--config", config.toString())) {
      assertThat(node.url.getPort()).isNotEqualTo(1);
      new NodeClient(node.url).submit(echo, wasm);
      // no --token-file and no --data-dir: the node was started on this machine at that address
      CliTest.Run offer = CliTest.run("offer", "echo", "--node", node.url.toString(), "--json");
      assertThat(offer.code()).as(offer.err()).isZero();
      JsonNode status = Json.parse(CliTest.run("status", "--node", node.url.toString(), "--json").out());
      assertThat(status.path("rewards").toString()).contains(other.serviceId());
      assertThat(status.path("offers").toString() + status.path("pending")).contains(echo.serviceId());
      JsonNode saved = Json.parse(Files.readString(dir.resolve("data/node.json")));
      assertThat(saved.path("maxServices").asInt()).isEqualTo(5);
    }
  }

  @Test
  void jsonLogLinesCarryTimeLevelLoggerMessageAndTheStackTrace() throws Exception {
    PrintStream old = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      JsonLogStream.install();
      System.err.println("not a log line");
      LoggerFactory.getLogger("dev.tandem.test.Json").error("it broke: {}", "badly", new IllegalStateException("x"));
    } finally {
      System.setErr(old);
    }
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines.get(0)).isEqualTo("not a log line");
    assertThat(lines).hasSize(2);
    JsonNode record = Json.parse(lines.get(1));
    assertThat(record.path("level").asText()).isEqualTo("ERROR");
    assertThat(record.path("logger").asText()).isEqualTo("Json");
    assertThat(record.path("message").asText()).isEqualTo("it broke: badly");
    assertThat(record.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*");
    assertThat(record.path("thread").asText()).isNotEmpty();
    assertThat(record.path("error").asText()).startsWith("java.lang.IllegalStateException: x").contains("\tat ");
  }
}
