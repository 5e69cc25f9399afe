package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.core.wire.JsonRpc;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's {@link Directory} against a bootstrap node whose record log changes under it. */
class DirectoryTest {
  /** What the fake node serves: its log id and its records in log order (cursor = index + 1). */
  volatile String log;
  volatile List<ServerRecord> records = new ArrayList<>();
  HttpServer server;
  ExecutorService executor;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/rpc", ex -> {
      JsonNode req;
      try {
        req = Json.parse(ex.getRequestBody().readAllBytes());
      } catch (dev.tandem.core.json.JsonFormatException e) {
        throw new java.io.IOException(e);
      }
      long cursor = req.path("params").path("cursor").asLong(0);
      List<ServerRecord> all = records;
      ObjectNode result = Json.object();
      ArrayNode page = result.putArray("records");
      for (int i = (int) Math.min(cursor, all.size()); i < all.size(); i++) {
        page.add(all.get(i).toJson());
      }
      result.put("next", all.size());
      result.put("more", false);
      if (log != null) {
        result.put("log", log);
      }
      byte[] body = JsonRpc.result(req.get("id"), result).toString().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    executor = Executors.newVirtualThreadPerTaskExecutor();
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
    http.close();
  }

  Directory directory() {
    return directory(dev.tandem.core.net.PeerPolicy.ANY);
  }

  Directory directory(dev.tandem.core.net.PeerPolicy policy) {
    URI node = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return new Directory(List.of(node), null, Transport.http(http), Duration.ofSeconds(5), Duration.ofSeconds(30), executor,
        Clock.systemUTC(), policy, 42, false, max -> List.of());
  }

  static ServerRecord offering(String url, String serviceId) {
    KeyPair key = KeyPair.generate();
    return new ServerRecord(key.publicKey(), URI.create(url), List.of(serviceId), List.of(),
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key);
  }

  /** The servers a client may contact for a service follow its peer policy, and a newly pulled server is among them. */
  @Test
  void theServersOfferingAServiceAreTheAllowedOnesAndFollowNewRecords() {
    String service = "bafkreiashyezwzaoneaiv5vl6tnt3ecrml7vtjk23t3uzvbfhtxtuetisi";
    ServerRecord local = offering("http://127.0.0.1:7401", service);
    ServerRecord lan = offering("http://10.0.0.7:7401", service);
    records = new ArrayList<>(List.of(local, lan));
    Directory d = directory(new dev.tandem.core.net.PeerPolicy("loopback",
        java.util.Set.of(dev.tandem.core.net.Reach.LOOPBACK)));
    d.refresh();
    assertThat(d.offering(service)).containsExactly(local);
    assertThat(d.offering(service)).as("again, from what it kept").containsExactly(local);

    ServerRecord another = offering("http://127.0.0.2:7401", service);
    List<ServerRecord> more = new ArrayList<>(records);
    more.add(another);
    records = more;
    d.refresh();
    assertThat(d.offering(service)).containsExactlyInAnyOrder(local, another);
  }

  /**
   * A record may name a host under a domain whose name server does not answer, and the peer policy looks host names
   * up: that lookup takes as long as the resolver waits. Meanwhile the rest of the directory answers at once, or one
   * registered server would hold every call and refresh of the client.
   */
  @Test
  void aLookupThatHangsHoldsNoOtherCallOrRefresh() throws Exception {
    String service = "bafkreiashyezwzaoneaiv5vl6tnt3ecrml7vtjk23t3uzvbfhtxtuetisi";
    String other = Cid.rawSha256(new byte[] {2}).toString();
    StallingNameServer.Lookup lookup = new StallingNameServer.Lookup();
    ServerRecord stalled = offering("http://" + StallingNameServer.stalledHost("server", lookup) + ":7400", service);
    ServerRecord near = offering("http://127.0.0.1:7401", service);
    ServerRecord elsewhere = offering("http://127.0.0.1:7402", other);
    records = List.of(stalled, near, elsewhere);
    Directory d = directory(new dev.tandem.core.net.PeerPolicy("loopback",
        java.util.Set.of(dev.tandem.core.net.Reach.LOOPBACK)));
    d.refresh();
    Future<List<ServerRecord>> slow = executor.submit(() -> d.offering(service));
    ServerRecord later = offering("http://127.0.0.2:7403", service);
    try {
      assertThat(lookup.awaitAsked(10)).as("the policy looks the stalled host up").isTrue();
      assertThat(executor.submit(() -> d.server(elsewhere.key())).get(5, TimeUnit.SECONDS)).contains(elsewhere);
      assertThat(executor.submit(() -> d.offering(other)).get(5, TimeUnit.SECONDS)).containsExactly(elsewhere);
      records = List.of(stalled, near, elsewhere, later);
      executor.submit(d::refresh).get(5, TimeUnit.SECONDS);
      assertThat(d.server(later.key())).contains(later);
      assertThat(slow).as("still looking the host up").isNotDone();
    } finally {
      lookup.release();
    }
    assertThat(slow.get(10, TimeUnit.SECONDS)).as("a host that does not resolve is not contacted")
        .containsExactly(near);
    // What was looked up against the older records is not kept: the server pulled meanwhile is among them.
    assertThat(d.offering(service)).containsExactlyInAnyOrder(near, later);
  }

  static List<ServerRecord> servers(String prefix, int n) {
    List<ServerRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      KeyPair key = KeyPair.generate();
      out.add(new ServerRecord(key.publicKey(), URI.create("http://" + prefix + i + ".example:7400"), List.of(),
          List.of(), ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key));
    }
    return out;
  }

  @Test
  void aNodeWithANewLogThatGrewPastTheCursorIsReadFromTheStart() {
    log = "first";
    List<ServerRecord> old = servers("old", 3);
    records = old;
    Directory d = directory();
    d.refresh();
    old.forEach(r -> assertThat(d.server(r.key())).isPresent());

    // The node lost its database and, behind the same URL, stored five records the client has never seen.
    log = "second";
    List<ServerRecord> reborn = servers("reborn", 5);
    records = reborn;
    d.refresh();
    reborn.forEach(r -> assertThat(d.server(r.key())).as(r.url().toString()).isPresent());
  }

  @Test
  void withoutLogIdsAShorterLogIsStillNoticed() {
    log = null;
    records = servers("old", 3);
    Directory d = directory();
    d.refresh();
    List<ServerRecord> reborn = servers("reborn", 2);
    records = reborn;
    d.refresh();
    reborn.forEach(r -> assertThat(d.server(r.key())).isPresent());
  }

  /**
   * A referee asks module sources in turn, so their order is what a Sybil would attack: the home server, the
   * bootstrap nodes, the servers offering the service by trust (never by key, which can be ground), then the other
   * known nodes, and no blacklisted server at all.
   */
  @Test
  void moduleSourcesAreTheHomeAndBootstrapThenTheMostTrustedAndNeverABlacklistedOne() {
    String service = "bafkreiashyezwzaoneaiv5vl6tnt3ecrml7vtjk23t3uzvbfhtxtuetisi";
    ServerRecord stranger = offering("http://127.0.0.1:7501", service);
    ServerRecord trusted = offering("http://127.0.0.1:7502", service);
    ServerRecord convicted = offering("http://127.0.0.1:7503", service);
    ServerRecord elsewhere = servers("other", 1).get(0);
    records = List.of(stranger, trusted, convicted, elsewhere);
    Directory d = directory();
    d.refresh();
    Scores scores = new Scores(new MemoryScoreStore());
    for (int i = 0; i < 20; i++) {
      scores.record(trusted.key(), ScoreEvent.SUCCESS);
    }
    scores.convict(convicted.key());
    KeyPair owner = KeyPair.generate();
    ServiceRecord record = ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {1}))
        .verifier(ServiceRecord.BUILTIN_EQUAL).createdAt(1).home(URI.create("http://127.0.0.1:7400"))
        .homeKey(KeyPair.generate().publicKey()).sign(owner);
    URI bootstrap = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    assertThat(d.moduleSources(record, service, scores)).containsExactly(URI.create("http://127.0.0.1:7400"),
        bootstrap, URI.create("http://127.0.0.1:7502"), URI.create("http://127.0.0.1:7501"),
        URI.create("http://other0.example:7400"));
  }
}
