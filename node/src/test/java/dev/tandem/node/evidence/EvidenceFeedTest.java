package dev.tandem.node.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem_evidence}: pages through the stored evidence that convicted someone, in the order stored, and refuses
 * bad params with {@code -32602} naming the parameter. The node starts on a {@code node.db} written before evidence
 * had an order column, so the upgrade in place is exercised too: the old rows are served in the order they were
 * stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvidenceFeedTest {
  @TempDir static Path dir;
  Node node;
  NodeClient client;

  /** Stored verdicts, in order: items 1, 3, 5 and 6 convicted someone and are the only ones served. */
  static final String[] VERDICTS = {"convicted", "upheld", "convicted", "pending", "convicted", "convicted"};

  @BeforeAll
  void start() throws Exception {
    Path data = dir.resolve("node");
    Files.createDirectories(data);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("node.db"));
        Statement s = c.createStatement()) {
      s.execute("""
          CREATE TABLE evidence (
            id TEXT PRIMARY KEY, service TEXT NOT NULL, request_hash TEXT NOT NULL, json TEXT NOT NULL,
            received_at INTEGER NOT NULL, verdict TEXT NOT NULL, detail TEXT NOT NULL)""");
      try (PreparedStatement p = c.prepareStatement("INSERT INTO evidence VALUES (?,?,?,?,?,?,?)")) {
        for (int i = 1; i <= VERDICTS.length; i++) {
          p.setString(1, "e" + i);
          p.setString(2, "service");
          p.setString(3, "hash" + i);
          p.setString(4, "{\"n\":" + i + "}"); // served as stored: the feed does not judge, its reader does
          p.setLong(5, i);
          p.setString(6, VERDICTS[i - 1]);
          p.setString(7, "re-run here");
          p.executeUpdate();
        }
      }
    }
    node = Node.start(NodeConfig.builder(data).listen("127.0.0.1:0").build());
    client = new NodeClient(node.url());
  }

  @AfterAll
  void stop() {
    node.close();
  }

  JsonNode page(String paramsJson) throws Exception {
    return client.rpc(EvidenceFeed.METHOD, Json.parse(paramsJson));
  }

  static List<Integer> numbers(JsonNode page) {
    List<Integer> out = new ArrayList<>();
    page.path("evidence").forEach(e -> out.add(e.path("n").asInt()));
    return out;
  }

  @Test
  void servesOnlyConvictingEvidenceInStoredOrder() throws Exception {
    JsonNode all = page("{}");
    assertThat(numbers(all)).containsExactly(1, 3, 5, 6);
    assertThat(all.path("more").asBoolean()).isFalse();
    assertThat(all.path("next").asLong()).isEqualTo(6);
    assertThat(all.path("log").asText()).as("the log's id").matches("[0-9a-f]{32}")
        .isEqualTo(page("{\"cursor\":3}").path("log").asText());
    assertThat(numbers(page("{\"limit\":1000}"))).as("an over-large limit is lowered, not refused")
        .containsExactly(1, 3, 5, 6);
  }

  @Test
  void pagesFollowTheCursor() throws Exception {
    JsonNode first = page("{\"cursor\":0,\"limit\":3}");
    assertThat(numbers(first)).containsExactly(1, 3, 5);
    assertThat(first.path("more").asBoolean()).isTrue();
    JsonNode second = page("{\"cursor\":" + first.path("next").asLong() + ",\"limit\":3}");
    assertThat(numbers(second)).containsExactly(6);
    assertThat(second.path("more").asBoolean()).isFalse();
    long end = second.path("next").asLong();
    JsonNode empty = page("{\"cursor\":" + end + "}");
    assertThat(numbers(empty)).isEmpty();
    assertThat(empty.path("next").asLong()).as("nothing new: next stays").isEqualTo(end);
    assertThat(empty.path("more").asBoolean()).isFalse();
    JsonNode afterTheEnd = page("{\"cursor\":100}");
    assertThat(numbers(afterTheEnd)).isEmpty();
    assertThat(afterTheEnd.path("next").asLong()).as("a cursor past the end gets the end: its reader starts over")
        .isEqualTo(end);
    assertThat(numbers(page("{\"cursor\":2,\"limit\":1}"))).as("cursors are positions, not counts")
        .containsExactly(3);
  }

  @Test
  void badParamsAreRefusedNamingTheParameter() {
    String[][] cases = {
        {"{\"cursor\":-1}", "params.cursor must be 0 or more"},
        {"{\"cursor\":\"1\"}", "params.cursor must be an integer"},
        {"{\"cursor\":1.5}", "params.cursor must be an integer"},
        {"{\"cursor\":9007199254740992}", "params.cursor must be at most"},
        {"{\"limit\":0}", "params.limit must be 1 or more"},
        {"{\"limit\":true}", "params.limit must be an integer"},
        {"{\"since\":1}", "params.since is not a parameter of tandem_evidence"},
        {"[1]", "params must be an object"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> page(c[0])).as(c[0]).isInstanceOfSatisfying(NodeClient.NodeException.class, e -> {
        assertThat(e.code()).isEqualTo(RpcErrors.INVALID_PARAMS);
        assertThat(e.getMessage()).contains(c[1]);
      });
    }
  }

  @Test
  void isAPublicMethodOfEveryNode() throws Exception {
    ObjectNode none = Json.object();
    assertThat(new NodeClient(node.url()).rpc(EvidenceFeed.METHOD, none).has("evidence")).isTrue();
    assertThat(node.rpc().methods()).contains(EvidenceFeed.METHOD, "tandem_submitEvidence");
  }
}
