package dev.tandem.it.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.NodeClient;
import dev.tandem.client.ServiceErrorException;
import dev.tandem.client.TandemClient;
import dev.tandem.client.TestFiles;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One search service over data given by CID: {@code docsearch} is registered once, and calls name their corpus by
 * an IPLD link. Each corpus is added to one node only, so the others fetch it from their peers, checked block by
 * block; two corpora give two different answers, each verified by several servers. A node that lies about a search
 * is convicted by the client's referee, which fetches the corpus by CID and re-runs the request itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataByCidTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final String FRUIT = """
      apple\tA crisp red fruit\tApples grow on trees in orchards and keep well in a cool cellar.
      banana\tA long yellow fruit\tBananas grow in bunches; a ripe one is sweet and soft.
      cherry\tA small red stone fruit\tCherries ripen early in summer; birds love them too.
      """;
  static final String DATABASES = """
      sqlite\tAn embedded SQL database\tA small, fast, self-contained SQL database engine in one file.
      postgres\tA relational database server\tAn object-relational SQL database with a cellar of extensions.
      redis\tAn in-memory data store\tKeys and values in memory, with persistence to disk.
      """;
  @TempDir static Path dir;
  final List<Node> nodes = new ArrayList<>();
  Node liar;
  ServiceRecord record;
  String fruit;
  String databases;

  @BeforeAll
  void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      List<URI> peers = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).url());
      nodes.add(Node.start(NodeConfig.builder(dir.resolve("n" + i)).listen("127.0.0.1:0").addPeers(peers)
          .gossipInterval(Duration.ofMillis(150)).build()));
    }
    liar = Node.start(NodeConfig.builder(dir.resolve("liar")).listen("127.0.0.1:0").addPeers(List.of(nodes.get(0)
        .url())).gossipInterval(Duration.ofMillis(150)).fault(dev.tandem.node.fault.Fault.LIE).build());
    byte[] wasm = TestFiles.read("services/docsearch/docsearch.wasm");
    Node home = nodes.get(0);
    record = ServiceRecord.builder().name("docsearch").module(Cid.rawSha256(wasm))
        .abi("tandem-v1").verifier(ServiceRecord.BUILTIN_EQUAL).home(home.url())
        .limits(ServiceLimits.defaults().withFuel(200_000_000).withMaxInputBytes(1 << 20)).createdAt(1_000)
        .sign(KeyPair.generate());
    new NodeClient(home.url()).submit(record, wasm);
    for (Node n : all()) {
      ObjectNode offer = Json.object();
      offer.put("service", record.serviceId());
      new NodeClient(n.url(), token(n)).rpc("tandem_offer", offer);
    }
    fruit = add(nodes.get(1), FRUIT);        // on n1 only
    databases = add(nodes.get(2), DATABASES); // on n2 only
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && !all().stream().allMatch(n -> home.registry().server(n.publicKey())
        .map(s -> s.offers().contains(record.serviceId())).orElse(false))) {
      Thread.sleep(100);
    }
  }

  List<Node> all() {
    List<Node> all = new ArrayList<>(nodes);
    all.add(liar);
    return all;
  }

  @AfterAll
  void stop() {
    all().forEach(Node::close);
  }

  static String token(Node node) throws Exception {
    return Files.readString(node.config().dataDir().resolve("admin.token")).trim();
  }

  static String add(Node node, String text) throws Exception {
    return add(node, text.getBytes(StandardCharsets.UTF_8));
  }

  static String add(Node node, byte[] file) throws Exception {
    HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + "/ipfs"))
        .header("Authorization", "Bearer " + token(node))
        .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(res.statusCode()).isEqualTo(200);
    return Json.parse(res.body()).get("v1").asText();
  }

  static ObjectNode query(String corpus, String q) {
    return query("corpus", corpus, q);
  }

  /** Params naming {@code cid} as member {@code link}: docsearch's corpus, search's index. */
  static ObjectNode query(String link, String cid, String q) {
    ObjectNode params = Json.object();
    params.putObject(link).put("/", cid);
    params.put("q", q);
    params.put("limit", 3);
    return params;
  }

  @Test
  void oneServiceSearchesTwoCorporaGivenByCidWithVerifiedDifferentAnswers() throws Exception {
    Node home = nodes.get(0);
    List<PublicKey> honest = nodes.stream().map(Node::publicKey).toList();
    try (TandemClient client = TandemClient.builder().bootstrap(List.of(home.url()))
        .serverFilter(srv -> honest.contains(srv.key())).build()) {
      var service = client.service(record.serviceId());
      CallReport a = service.callWithReport("query", query(fruit, "red cellar"));
      CallReport b = service.callWithReport("query", query(databases, "red cellar"));
      assertThat(a.verified()).as("%s", a).isTrue();
      assertThat(b.verified()).as("%s", b).isTrue();
      assertThat(a.votes().size()).isGreaterThanOrEqualTo(2);
      JsonNode fruitHits = a.result().orElseThrow();
      JsonNode databaseHits = b.result().orElseThrow();
      assertThat(fruitHits.get("docs").asInt()).isEqualTo(3);
      assertThat(fruitHits.at("/hits/0/name").asText()).isIn("apple", "cherry");
      assertThat(databaseHits.at("/hits/0/name").asText()).isEqualTo("postgres");
      assertThat(fruitHits).isNotEqualTo(databaseHits);
    }
    // A corpus nobody has is not the caller's error, and never a wrong answer.
    ObjectNode missing = query(Cid.rawSha256("nobody has this".getBytes()).toString(), "x");
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"query\",\"params\":" + missing + "}";
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(home.url() + "/services/"
        + record.serviceId())).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(Json.parse(res.body()).at("/error/code").asInt()).isEqualTo(-32002);
  }

  @Test
  void theClientRefereeFetchesTheInputsByCidAndConvictsALiar() throws Exception {
    Node honest = nodes.get(1);
    // Only n1 and the liar are asked: they conflict, and the client re-runs the request here with the corpus it
    // fetches by CID from the nodes, checked block by block, as they fetched it.
    try (TandemClient client = TandemClient.builder().bootstrap(List.of(nodes.get(0).url())).evidenceFeed(false)
        .minRequests(2)
        .serverFilter(srv -> srv.key().equals(liar.publicKey()) || srv.key().equals(honest.publicKey()))
        .build()) {
      CallReport report = client.service(record.serviceId()).callWithReport("query", query(databases, "memory"));
      assertThat(report.decision()).as("%s", report).isEqualTo(CallReport.Decision.REFEREE);
      assertThat(report.convicted()).containsExactly(liar.publicKey());
      assertThat(report.result().orElseThrow().at("/hits/0/name").asText()).isEqualTo("redis");
      assertThat(report.answers()).noneMatch(a -> nodes.get(0).publicKey().equals(a.server()));
    }
  }

  /** {@code services/search/gen-index.py --index}: the index file of {@code corpus}. */
  static byte[] genIndex(String corpus) throws Exception {
    Path in = Files.createTempFile(dir, "corpus", ".txt");
    Path out = Files.createTempFile(dir, "index", ".idx");
    Files.writeString(in, corpus);
    Process p = new ProcessBuilder("python3", TestFiles.repoRoot().resolve("services/search/gen-index.py").toString(),
        "--index", in.toString(), out.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    return Files.readAllBytes(out);
  }

  @Test
  void searchTakesItsIndexByCidAndTheIndexOfACorpusHasOneCid() throws Exception {
    byte[] fruitIndex = genIndex(FRUIT);
    byte[] databaseIndex = genIndex(DATABASES);
    assertThat(genIndex(FRUIT)).as("gen-index is reproducible").isEqualTo(fruitIndex);
    String fruitCid = add(nodes.get(1), fruitIndex);
    String databaseCid = add(nodes.get(2), databaseIndex);
    assertThat(fruitCid).isEqualTo(dev.tandem.core.cid.UnixFs.kuboCid(fruitIndex, 1, true).toString());
    ServiceRecord search = registerOnHonestNodes("search");
    try (TandemClient client = honestClient()) {
      var service = client.service(search.serviceId());
      CallReport a = service.callWithReport("query", query("index", fruitCid, "red cellar"));
      CallReport b = service.callWithReport("query", query("index", databaseCid, "red cellar"));
      assertThat(a.verified()).as("%s", a).isTrue();
      assertThat(b.verified()).as("%s", b).isTrue();
      assertThat(a.votes().size()).isGreaterThanOrEqualTo(2);
      assertThat(a.result().orElseThrow().at("/hits/0/name").asText()).isIn("apple", "cherry");
      assertThat(b.result().orElseThrow().at("/hits/0/name").asText()).isEqualTo("postgres");
      assertThat(a.result()).isNotEqualTo(b.result());
      ObjectNode stats = Json.object();
      stats.putObject("index").put("/", databaseCid);
      assertThat(service.call("stats", stats).get("docs").asInt()).isEqualTo(3);
      // Without an index the module searches the corpus compiled into it.
      assertThat(service.call("stats", Json.object()).get("docs").asInt()).isEqualTo(4000);
      // A file that is not an index is the caller's mistake, verified.
      ObjectNode notAnIndex = query("index", add(nodes.get(1), FRUIT), "apple");
      assertThatThrownBy(() -> service.call("query", notAnIndex)).isInstanceOf(ServiceErrorException.class)
          .hasMessageContaining("not a search index");
    }
  }

  /** Registers {@code services/NAME/NAME.wasm} (home n0) and has the three honest nodes offer it. */
  ServiceRecord registerOnHonestNodes(String name) throws Exception {
    byte[] wasm = TestFiles.read("services/" + name + "/" + name + ".wasm");
    Node home = nodes.get(0);
    ServiceRecord rec = ServiceRecord.builder().name(name).module(Cid.rawSha256(wasm)).abi("tandem-v1")
        .verifier(ServiceRecord.BUILTIN_EQUAL).home(home.url())
        .limits(ServiceLimits.defaults().withMaxInputBytes(1 << 20)).createdAt(1_000).sign(KeyPair.generate());
    new NodeClient(home.url()).submit(rec, wasm);
    for (Node n : nodes) {
      ObjectNode offer = Json.object();
      offer.put("service", rec.serviceId());
      new NodeClient(n.url(), token(n)).rpc("tandem_offer", offer);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && !nodes.stream().allMatch(n -> home.registry().server(n.publicKey())
        .map(s -> s.offers().contains(rec.serviceId())).orElse(false))) {
      Thread.sleep(100);
    }
    return rec;
  }

  /** A client asking two of the honest nodes on every call. */
  TandemClient honestClient() {
    List<PublicKey> honest = nodes.stream().map(Node::publicKey).toList();
    return TandemClient.builder().bootstrap(List.of(nodes.get(0).url()))
        .serverFilter(srv -> honest.contains(srv.key())).minRequests(2).build();
  }

  @Test
  void matchFillsAnOrderAgainstABookGivenByCidAtPriceTimePriority() throws Exception {
    String book = add(nodes.get(2), """
        {"asks":[{"id":"a1","price":105,"qty":5},{"id":"a2","price":101,"qty":3},{"id":"a3","price":101,"qty":4},
                 {"id":"a4","price":110,"qty":9}],
         "bids":[{"id":"b1","price":99,"qty":2},{"id":"b2","price":100,"qty":6}]}
        """);
    ServiceRecord match = registerOnHonestNodes("match");
    try (TandemClient client = honestClient()) {
      var service = client.service(match.serviceId());
      ObjectNode buy = Json.object();
      buy.putObject("book").put("/", book);
      buy.putObject("order").put("side", "buy").put("price", 105).put("qty", 10);
      CallReport bought = service.callWithReport("fill", buy);
      assertThat(bought.verified()).as("%s", bought).isTrue();
      assertThat(bought.votes().size()).isGreaterThanOrEqualTo(2);
      // Cheapest first, equal prices in time order, each at the resting price; a4 is above the limit.
      assertThat(bought.result()).contains(Json.parse("""
          {"fills":[{"id":"a2","price":101,"qty":3},{"id":"a3","price":101,"qty":4},{"id":"a1","price":105,"qty":3}],
           "filled":10,"remaining":0,"spent":1022}"""));
      ObjectNode sell = Json.object();
      sell.putObject("book").put("/", book);
      sell.putObject("order").put("side", "sell").put("price", 100).put("qty", 8);
      assertThat(service.call("fill", sell)).isEqualTo(Json.parse(
          "{\"fills\":[{\"id\":\"b2\",\"price\":100,\"qty\":6}],\"filled\":6,\"remaining\":2,\"spent\":600}"));
      ObjectNode bad = Json.object();
      bad.putObject("book").put("/", book);
      bad.putObject("order").put("side", "hold").put("price", 1).put("qty", 1);
      assertThatThrownBy(() -> service.call("fill", bad)).isInstanceOf(ServiceErrorException.class)
          .hasMessageContaining("order must be");
    }
  }
}
