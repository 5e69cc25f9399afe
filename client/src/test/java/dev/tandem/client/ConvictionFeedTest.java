package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.ServerScore;
import dev.tandem.sandbox.GeneratedModules;
import dev.tandem.sandbox.ModuleShape;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What reading the evidence feeds may cost ({@link ConvictionFeed}): re-runs within a budget per pull, the rest
 * judged by the next pulls without the feed position passing them, and evidence of services allowed to run longer
 * than the client's cap never re-run, only counted and read past.
 */
class ConvictionFeedTest {
  static final byte[] ECHO = TestFiles.read("services/echo/echo.wasm");
  final KeyPair owner = KeyPair.generate();
  final KeyPair honest = KeyPair.generate();
  FakeBootstrap node;

  @BeforeEach
  void start() throws Exception {
    node = new FakeBootstrap();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  ServiceRecord service(String name, int timeoutMs) {
    return service(name, timeoutMs, ServiceLimits.defaults().memoryPages());
  }

  ServiceRecord service(String name, int timeoutMs, int memoryPages) {
    ServiceLimits d = ServiceLimits.defaults();
    return ServiceRecord.builder().name(name).module(Cid.rawSha256(ECHO)).verifier(ServiceRecord.BUILTIN_EQUAL)
        .limits(new ServiceLimits(d.fuel(), memoryPages, d.maxRequestBytes(), d.maxResponseBytes(), timeoutMs))
        .createdAt(1).sign(owner);
  }

  TandemClient.Builder client() {
    return TandemClient.builder().bootstrap(node.url()).moduleSource((cid, nodes) -> ECHO)
        .refreshInterval(Duration.ofHours(1)).scoreStore(new Kept());
  }

  /** Scores in memory, with the feed positions kept too (a memory store keeps none). */
  static final class Kept implements ScoreStore {
    final MemoryScoreStore scores = new MemoryScoreStore();
    final Map<URI, LogPosition> positions = new ConcurrentHashMap<>();

    @Override
    public Map<PublicKey, ServerScore> loadAll() {
      return scores.loadAll();
    }

    @Override
    public void storeAll(Map<PublicKey, ServerScore> changed) {
      scores.storeAll(changed);
    }

    @Override
    public Map<URI, LogPosition> feedPositions() {
      return Map.copyOf(positions);
    }

    @Override
    public void storeFeedPositions(Map<URI, LogPosition> moved) {
      positions.putAll(moved);
    }
  }

  static JsonNode params(int i) {
    return Json.object().put("hello", "feed").put("n", i);
  }

  /** The cursor in the node's feed kept with the client's scores (0 while none was stored). */
  long cursor(TandemClient client) {
    return client.scores().feedPositions().values().stream().findFirst().map(LogPosition::cursor).orElse(0L);
  }

  @Test
  void aPullReRunsWithinItsBudgetAndTheNextPullsJudgeTheRestFromWhereItStopped() throws Exception {
    ServiceRecord echo = service("echo", 5_000);
    List<KeyPair> liars = List.of(KeyPair.generate(), KeyPair.generate(), KeyPair.generate());
    node.records = FakeBootstrap.json(List.of(echo));
    node.evidence = List.of(FakeBootstrap.conflict(echo, params(0), honest, liars.get(0)),
        FakeBootstrap.conflict(echo, params(1), honest, liars.get(1)),
        FakeBootstrap.conflict(echo, params(2), honest, liars.get(2)));
    // A budget any re-run spends: each pull judges one item (the first re-run of a pull always runs).
    try (TandemClient client = client().evidenceFeedLimits(Duration.ofNanos(1), Duration.ofSeconds(10)).build()) {
      client.service("echo");
      assertThat(liars).map(k -> client.scores().blacklisted(k.publicKey())).containsExactly(true, false, false);
      assertThat(cursor(client)).as("the position stays before the items not judged yet").isZero();

      client.refresh();
      assertThat(liars).map(k -> client.scores().blacklisted(k.publicKey())).containsExactly(true, true, false);
      assertThat(cursor(client)).isZero();

      client.refresh();
      assertThat(liars).map(k -> client.scores().blacklisted(k.publicKey())).containsExactly(true, true, true);
      assertThat(cursor(client)).as("every item judged: the position moves past them").isEqualTo(3);
      assertThat(client.scores().blacklisted(honest.publicKey())).isFalse();
      assertThat(client.context().referee().runs()).as("a page read again re-runs nothing twice").isEqualTo(3);
      assertThat(node.evidenceAsked()).isEqualTo(3);
    }
  }

  @Test
  void evidenceOfAServiceAllowedToRunLongerThanTheCapIsPassedOverNotReRun() throws Exception {
    ServiceRecord slow = service("slow", 20_000);
    ServiceRecord echo = service("echo", 5_000);
    KeyPair slowLiar = KeyPair.generate();
    KeyPair liar = KeyPair.generate();
    node.records = FakeBootstrap.json(List.of(slow, echo));
    node.evidence = List.of(FakeBootstrap.conflict(slow, params(0), honest, slowLiar),
        FakeBootstrap.conflict(echo, params(1), honest, liar));
    try (TandemClient client = client().build()) { // the default cap: 10 s
      client.service("echo");
      assertThat(client.scores().blacklisted(slowLiar.publicKey())).as("not re-run, so nobody convicted").isFalse();
      assertThat(client.feedStats().passedOver()).isEqualTo(1);
      assertThat(client.scores().blacklisted(liar.publicKey())).as("the item after it is judged").isTrue();
      assertThat(client.context().referee().runs()).isEqualTo(1);
      assertThat(cursor(client)).as("read past, as the nodes judge it").isEqualTo(2);
    }
    // A client that chooses a higher cap re-runs it.
    try (TandemClient client = client().evidenceFeedLimits(Duration.ofSeconds(5), Duration.ofSeconds(30)).build()) {
      client.service("echo");
      assertThat(client.scores().blacklisted(slowLiar.publicKey())).isTrue();
      assertThat(client.feedStats().passedOver()).isZero();
    }
  }

  @Test
  void evidenceOfAServiceAllowedMoreThan256MiBIsPassedOverNotReRun() throws Exception {
    ServiceRecord big = service("big", 5_000, ConvictionFeed.MAX_RERUN_MEMORY_PAGES + 1);
    ServiceRecord echo = service("echo", 5_000, ConvictionFeed.MAX_RERUN_MEMORY_PAGES);
    KeyPair bigLiar = KeyPair.generate();
    KeyPair liar = KeyPair.generate();
    node.records = FakeBootstrap.json(List.of(big, echo));
    node.evidence = List.of(FakeBootstrap.conflict(big, params(0), honest, bigLiar),
        FakeBootstrap.conflict(echo, params(1), honest, liar));
    try (TandemClient client = client().build()) {
      client.service("echo");
      assertThat(client.scores().blacklisted(bigLiar.publicKey())).as("not re-run, so nobody convicted").isFalse();
      assertThat(client.feedStats().passedOver()).isEqualTo(1);
      assertThat(client.scores().blacklisted(liar.publicKey())).as("the item after it is judged").isTrue();
      assertThat(client.context().referee().runs()).isEqualTo(1);
      assertThat(cursor(client)).as("read past, as the nodes judge it").isEqualTo(2);
    }
  }

  @Test
  void evidenceOfAModuleHeavierToLoadThanTheCapIsPassedOverNotLoaded() throws Exception {
    // 20,000 functions of 32 bytes: 0.7 MB of code and 1.3 MB of metering to load, over the 1 MiB cap.
    byte[] heavyWasm = GeneratedModules.module(20_000, 10, -1);
    assertThat(ModuleShape.of(heavyWasm).loadWeight()).isGreaterThan(ConvictionFeed.MAX_RERUN_LOAD_WEIGHT);
    ServiceLimits d = ServiceLimits.defaults();
    ServiceRecord heavy = ServiceRecord.builder().name("heavy").module(Cid.rawSha256(heavyWasm))
        .verifier(ServiceRecord.BUILTIN_EQUAL).limits(d).createdAt(1).sign(owner);
    ServiceRecord echo = service("echo", 5_000);
    KeyPair heavyLiar = KeyPair.generate();
    KeyPair liar = KeyPair.generate();
    node.records = FakeBootstrap.json(List.of(heavy, echo));
    node.evidence = List.of(FakeBootstrap.conflict(heavy, params(0), honest, heavyLiar),
        FakeBootstrap.conflict(echo, params(1), honest, liar));
    try (TandemClient client = client()
        .moduleSource((cid, nodes) -> cid.equals(heavy.module()) ? heavyWasm : ECHO).build()) {
      client.service("echo");
      assertThat(client.scores().blacklisted(heavyLiar.publicKey())).as("not loaded, so nobody convicted").isFalse();
      assertThat(client.feedStats().passedOver()).isEqualTo(1);
      assertThat(client.scores().blacklisted(liar.publicKey())).as("the item after it is judged").isTrue();
      assertThat(client.context().referee().runs()).isEqualTo(1);
      assertThat(cursor(client)).as("read past, as the nodes judge it").isEqualTo(2);
    }
  }
}
