package dev.tandem.node.ipfs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Car;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.core.json.Json;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node as an IPFS trustless gateway: a file added with {@code POST /ipfs} resolves under each of its CIDs as
 * bytes, single blocks and CARs; what is not supported is a clear 400; and another node's fetcher rebuilds the
 * file from the CAR, checking every block.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir static Path dir;
  Node node;
  String token;
  final byte[] file = new byte[1_000_003];
  JsonNode added;

  @BeforeAll
  void start() throws Exception {
    new Random(42).nextBytes(file);
    node = Node.start(NodeConfig.builder(dir.resolve("n1")).listen("127.0.0.1:0").build());
    token = Files.readString(dir.resolve("n1").resolve("admin.token")).trim();
    HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs"))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(res.statusCode()).isEqualTo(200);
    added = Json.parse(res.body());
  }

  @AfterAll
  void stop() {
    node.close();
  }

  HttpResponse<byte[]> get(String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(20));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void addAnswersKubosCids() throws Exception {
    UnixFs.KuboCids cids = UnixFs.kuboCids(new ByteArrayInputStream(file));
    assertThat(added.get("size").asInt()).isEqualTo(file.length);
    assertThat(added.get("v0").asText()).isEqualTo(cids.v0().toString()).startsWith("Qm");
    assertThat(added.get("v1").asText()).isEqualTo(cids.v1RawLeaves().toString()).startsWith("bafybei");
    assertThat(added.get("v1DagPbLeaves").asText()).isEqualTo(cids.v1().toString());
    assertThat(added.get("raw").asText()).isEqualTo(cids.raw().toString());
  }

  @Test
  void everyCidOfTheFileServesItsBytes() throws Exception {
    for (String key : List.of("v0", "v1", "v1DagPbLeaves", "raw")) {
      HttpResponse<byte[]> res = get("/ipfs/" + added.get(key).asText(), null);
      assertThat(res.statusCode()).as(key).isEqualTo(200);
      assertThat(res.body()).as(key).isEqualTo(file);
      assertThat(res.headers().firstValue("Etag")).contains("\"" + added.get(key).asText() + "\"");
    }
  }

  @Test
  void rawFormatGivesOneCheckedBlock() throws Exception {
    for (String key : List.of("v0", "v1")) {
      Cid cid = Cid.parse(added.get(key).asText());
      HttpResponse<byte[]> byParam = get("/ipfs/" + cid + "?format=raw", null);
      HttpResponse<byte[]> byAccept = get("/ipfs/" + cid, "application/vnd.ipld.raw");
      for (HttpResponse<byte[]> res : List.of(byParam, byAccept)) {
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).contains("application/vnd.ipld.raw");
        assertThat(Blocks.matches(cid, res.body())).isTrue();
        assertThat(res.body().length).isLessThan(file.length); // the root node, not the file
      }
    }
  }

  @Test
  void carFormatGivesTheWholeDagRootFirst() throws Exception {
    for (String key : List.of("v0", "v1")) {
      Cid cid = Cid.parse(added.get(key).asText());
      for (HttpResponse<byte[]> res : List.of(get("/ipfs/" + cid + "?format=car", null),
          get("/ipfs/" + cid, "application/vnd.ipld.car; version=1; order=dfs; dups=y"))) {
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).contains(
            "application/vnd.ipld.car; version=1; order=dfs; dups=n");
        Car.Reader car = new Car.Reader(new ByteArrayInputStream(res.body()), 4 << 20);
        assertThat(car.roots()).containsExactly(cid);
        Map<Cid, byte[]> blocks = new HashMap<>();
        List<Cid> order = new ArrayList<>();
        while (car.next((c, b) -> {
          order.add(c);
          blocks.put(c, b);
        })) {
          // every block is checked by the reader
        }
        assertThat(order).hasSize(5).first().isEqualTo(cid);
        var out = new java.io.ByteArrayOutputStream();
        Blocks.readFile(cid, c -> Optional.ofNullable(blocks.get(c)), out, file.length);
        assertThat(out.toByteArray()).isEqualTo(file);
      }
      HttpResponse<byte[]> block = get("/ipfs/" + cid + "?format=car&dag-scope=block", null);
      Car.Reader one = new Car.Reader(new ByteArrayInputStream(block.body()), 4 << 20);
      int[] n = {0};
      while (one.next((c, b) -> n[0]++)) {
        // count
      }
      assertThat(n[0]).isEqualTo(1);
    }
  }

  @Test
  void whatIsNotSupportedIsAClear400AndWhatIsMissingA404() throws Exception {
    String cid = added.get("v1").asText();
    assertThat(get("/ipfs/" + cid + "?format=car&entity-bytes=0:10", null).statusCode()).isEqualTo(400);
    assertThat(get("/ipfs/" + cid + "?format=car&dag-scope=everything", null).statusCode()).isEqualTo(400);
    assertThat(get("/ipfs/" + cid + "?format=dag-json", null).statusCode()).isEqualTo(400);
    HttpResponse<byte[]> carV2 = get("/ipfs/" + cid, "application/vnd.ipld.car; version=2");
    assertThat(carV2.statusCode()).isEqualTo(400);
    assertThat(new String(carV2.body())).contains("CARv1");
    assertThat(get("/ipfs/" + cid + "/some/path", null).statusCode()).isEqualTo(400);
    assertThat(get("/ipfs/" + UnixFs.kuboCid(new byte[] {1, 2, 3}, 0), null).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void anotherNodeFetchesTheFileFromTheCarCheckingEveryBlock() throws Exception {
    ContentFetcher fetcher = new ContentFetcher(new BlockStore(dir.resolve("other-blocks")), HTTP);
    Cid cid = Cid.parse(added.get("v1").asText());
    URI nowhere = URI.create("http://127.0.0.1:9/");
    assertThat(fetcher.fetch(cid, List.of(nowhere, node.url()), 2 << 20)).isEqualTo(file);
    // stored now: served from its own blocks, with no source at all
    assertThat(fetcher.fetch(cid, List.of(), 2 << 20)).isEqualTo(file);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> fetcher.fetch(Cid.parse(added.get("v0").asText()),
        List.of(node.url()), 1000)).hasMessageContaining("larger than the limit");
  }
}
