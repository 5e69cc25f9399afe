package dev.tandem.registry.gossip;

import static dev.tandem.registry.TestRecords.await;
import static dev.tandem.registry.TestRecords.key;
import static dev.tandem.registry.TestRecords.server;
import static dev.tandem.registry.TestRecords.service;
import static dev.tandem.registry.TestRecords.unsignedServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.store.SqliteRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Gossip between registries over real HTTP on the loopback interface. */
@Timeout(60)
class GossipTest {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration WITHIN = Duration.ofSeconds(5);
  private static final KeyPair OWNER = key(1);

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  /** A registry served at /rpc like a node's, and optionally gossiping. */
  private final class Node implements AutoCloseable {
    final SqliteRegistry registry;
    final RpcHttpServer http;
    Gossip gossip;

    Node() throws IOException {
      this(SqliteRegistry.inMemory());
    }

    Node(SqliteRegistry registry) throws IOException {
      this.registry = registry;
      this.http = RpcHttpServer.start(new RegistryRpc(registry)::handle);
      open.add(this);
    }

    URI url() {
      return http.url();
    }

    Gossip gossip(UnaryOperator<Gossip.Builder> config, URI... peers) {
      // no cursors(...): a SqliteRegistry's own, persistent cursors are the default
      gossip = config.apply(Gossip.builder().registry(registry).self(url())
          .interval(INTERVAL).peers(List.of(peers))).build();
      gossip.start();
      return gossip;
    }

    Gossip gossip(URI... peers) {
      return gossip(b -> b, peers);
    }

    @Override
    public void close() {
      if (gossip != null) {
        gossip.close();
      }
      http.close();
      registry.close();
    }
  }

  @Test
  void aRecordReachesANodeTwoHopsAway() throws Exception {
    Node n1 = new Node();
    Node n2 = new Node();
    Node n3 = new Node();
    // a line: 1 - 2 - 3; node 1 and node 3 do not know each other
    n1.gossip(b -> b.learnPeers(false), n2.url());
    n2.gossip(b -> b.learnPeers(false), n1.url(), n3.url());
    n3.gossip(b -> b.learnPeers(false), n2.url());

    ServiceRecord search = service(OWNER, "search");
    n1.registry.submit(search);
    await(WITHIN, "the service on node 3", () -> n3.registry.service(search.serviceId()).isPresent());

    ServerRecord third = server(key(3), "http://127.0.0.1:1", 1, List.of(search.serviceId()));
    n3.registry.submit(third);
    await(WITHIN, "the server record on node 1", () -> n1.registry.server(key(3).publicKey()).isPresent());

    assertThat(n2.registry.service(search.serviceId())).contains(search);
    assertThat(n1.gossip.peers()).containsExactly(n2.url());
    assertThat(n3.gossip.peers()).containsExactly(n2.url());
    assertThat(n1.gossip.stats().pushed()).isGreaterThanOrEqualTo(1);
    assertThat(n1.gossip.stats().rejected()).isZero();
  }

  @Test
  void recordsStoredBeforeGossipStartedArriveByPull() throws Exception {
    Node n1 = new Node();
    Node n2 = new Node();
    Node n3 = new Node();
    List<ServiceRecord> early = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ServiceRecord s = service(OWNER, "early" + i);
      n3.registry.submit(s); // before any gossip: no push will ever carry these
      early.add(s);
    }
    // small pages, so the catch-up takes several tandem_records calls
    n1.gossip(b -> b.learnPeers(false).pageSize(7), n2.url());
    n2.gossip(b -> b.learnPeers(false).pageSize(7), n1.url(), n3.url());
    n3.gossip(b -> b.learnPeers(false));

    await(WITHIN, "every early record on node 1", () -> n1.registry.services().size() == early.size());
    assertThat(n1.registry.services()).containsExactlyInAnyOrderElementsOf(early);
    long end = n3.registry.since(0, 1000).next();
    await(WITHIN, "node 2's cursor at node 3's end", () -> n2.registry.peerCursors().cursor(n3.url()) == end);
    assertThat(n2.gossip.stats().pulled()).isGreaterThanOrEqualTo(early.size());
  }

  @Test
  void aRecordInvalidAtTheSourceIsNeitherStoredNorSpread() throws Exception {
    ServiceRecord good = service(OWNER, "good");
    ObjectNode tampered = service(OWNER, "bad").toJson();
    tampered.put("description", "now with a different description"); // the signature no longer matches
    // A peer that serves a tampered record in its log, followed by a valid one.
    RpcHttpServer liar = RpcHttpServer.start((method, params) -> {
      ObjectNode result = Json.object();
      if (method.equals(RegistryRpc.RECORDS) && params.path("cursor").asLong() == 0) {
        result.putArray("records").add(tampered).add(good.toJson());
      } else {
        result.putArray("records");
      }
      result.put("next", 2);
      result.put("more", false);
      return method.equals(RegistryRpc.RECORDS) ? result : Json.object().put("status", "stored");
    });
    open.add(liar);
    Node n2 = new Node();
    Node n3 = new Node();
    n2.gossip(b -> b.learnPeers(false), liar.url(), n3.url());
    n3.gossip(b -> b.learnPeers(false), n2.url());

    await(WITHIN, "the valid record on node 3", () -> n3.registry.service(good.serviceId()).isPresent());
    Thread.sleep(3 * INTERVAL.toMillis()); // a few more rounds, in which nothing else may arrive

    assertThat(n2.registry.services()).containsExactly(good);
    assertThat(n3.registry.services()).containsExactly(good);
    assertThat(n2.gossip.stats().rejected()).isEqualTo(1); // once: the cursor moved past it
    assertThat(n2.gossip.stats().stored()).isEqualTo(1);
    assertThat(n3.gossip.stats().rejected()).isZero();

    // Submitted directly, the tampered record is refused naming the signature, and nobody hears of it.
    assertThatThrownBy(() -> n2.registry.submit(SignedRecord.fromJson(tampered)))
        .isInstanceOf(RecordException.class).hasMessageStartingWith("sig:");
    Thread.sleep(3 * INTERVAL.toMillis());
    assertThat(n3.registry.services()).containsExactly(good);
  }

  @Test
  void unreachableAndSilentPeersDoNotDelayTheOthers() throws Exception {
    URI dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = URI.create("http://127.0.0.1:" + s.getLocalPort()); // closed again: connections are refused
    }
    // accepts connections (the backlog does) but never answers: only the request timeout ends a call
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(silent);
    URI mute = URI.create("http://127.0.0.1:" + silent.getLocalPort());
    Node n1 = new Node();
    Node n2 = new Node();
    n1.gossip(b -> b.learnPeers(false), dead, mute, n2.url());
    n2.gossip(b -> b.learnPeers(false));

    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      ServiceRecord s = service(OWNER, "svc" + i);
      n1.registry.submit(s);
      await(WITHIN, "svc" + i + " on node 2", () -> n2.registry.service(s.serviceId()).isPresent());
    }
    // well under the 5 s a call to the silent peer takes to time out
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    await(WITHIN, "a failure counted for the dead peer", () -> n1.gossip.stats().failures() >= 1);
  }

  @Test
  void peersAreLearnedFromServerRecordsAndForgottenWhenTheyRetire() throws Exception {
    Node n1 = new Node();
    Node n2 = new Node();
    Node n3 = new Node();
    n1.gossip(); // knows nobody
    n2.gossip(n1.url());
    n3.gossip(); // knows nobody, and nobody knows it yet

    KeyPair k1 = key(11);
    KeyPair k2 = key(12);
    KeyPair k3 = key(13);
    n1.registry.submit(server(k1, n1.url().toString(), 1, List.of())); // its own URL: never a peer of itself
    n2.registry.submit(server(k2, n2.url().toString(), 1, List.of()));
    await(WITHIN, "node 1 learning node 2", () -> n1.gossip.peers().contains(n2.url()));
    assertThat(n1.gossip.peers()).doesNotContain(n1.url());

    // Node 3 announces itself to node 1 only; node 2 learns of it through node 1 and starts gossiping with it.
    n1.registry.submit(server(k3, n3.url().toString(), 1, List.of()));
    await(WITHIN, "node 2 learning node 3", () -> n2.gossip.peers().contains(n3.url()));
    ServiceRecord s = service(OWNER, "travels");
    n2.registry.submit(s);
    await(WITHIN, "the service on node 3", () -> n3.registry.service(s.serviceId()).isPresent());

    // Node 3 retires: the others stop gossiping with it.
    n1.registry.submit(unsignedServer(k3, n3.url().toString(), 2, List.of(), true).signedBy(k3));
    await(WITHIN, "node 2 forgetting node 3", () -> !n2.gossip.peers().contains(n3.url()));
    await(WITHIN, "node 1 forgetting node 3", () -> !n1.gossip.peers().contains(n3.url()));
    // a configured peer is never forgotten that way
    assertThat(n2.gossip.peers()).contains(n1.url());
  }

  /** A quota of new records per learned peer whose budget the test sets ("an hour passes"). */
  private static final class TestQuota implements LearnedPeerQuota {
    final java.util.concurrent.atomic.AtomicLong budget = new java.util.concurrent.atomic.AtomicLong();
    final java.util.Map<URI, Long> used = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public long room(URI peer) {
      return Math.max(0, budget.get() - used.getOrDefault(peer, 0L));
    }

    @Override
    public void stored(URI peer) {
      used.merge(peer, 1L, Long::sum);
    }
  }

  @Test
  void aLearnedPeerBringsAtMostItsQuotaOfNewRecordsAndTheRestWaits() throws Exception {
    Node sybil = new Node(); // a script's own node: anyone can announce one, with an endless log of fresh records
    List<ServiceRecord> flood = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      flood.add(service(key(100 + i), "flood-" + i));
      sybil.registry.submit(flood.get(i));
    }
    Node local = new Node();
    TestQuota quota = new TestQuota();
    quota.budget.set(10);
    local.gossip(b -> b.learnedPeerQuota(quota).pageSize(4));
    local.registry.submit(server(key(99), sybil.url().toString(), 1, List.of()));
    await(WITHIN, "the learned peer's quota used up", () -> local.gossip.stats().deferred() >= 2);
    long held = flood.stream().filter(r -> local.registry.service(r.serviceId()).isPresent()).count();
    assertThat(held).isEqualTo(10);
    assertThat(quota.used).containsOnlyKeys(sybil.url());

    quota.budget.set(30); // its quota refills: the records that waited come, none skipped
    await(WITHIN, "every record of the learned peer",
        () -> flood.stream().allMatch(r -> local.registry.service(r.serviceId()).isPresent()));

    // A configured peer is not counted: a new node syncs the whole registry from the peers its operator named.
    Node fresh = new Node();
    TestQuota none = new TestQuota();
    fresh.gossip(b -> b.learnPeers(false).learnedPeerQuota(none), sybil.url());
    await(WITHIN, "every record from the configured peer",
        () -> flood.stream().allMatch(r -> fresh.registry.service(r.serviceId()).isPresent()));
    assertThat(fresh.gossip.stats().deferred()).isZero();
  }

  @Test
  void cursorsPersistSoARestartedGossipPullsOnlyWhatIsNew() throws Exception {
    Node source = new Node();
    for (int i = 0; i < 5; i++) {
      source.registry.submit(service(OWNER, "s" + i));
    }
    SqliteRegistry local = SqliteRegistry.inMemory();
    open.add(local);
    Gossip first = Gossip.builder().registry(local).cursors(local.peerCursors()).interval(INTERVAL)
        .peers(List.of(source.url())).learnPeers(false).build();
    first.start();
    long end = source.registry.since(0, 1000).next();
    await(WITHIN, "the first pull", () -> local.peerCursors().cursor(source.url()) == end);
    first.close();
    assertThat(local.services()).hasSize(5);
    assertThat(first.stats().pulled()).isEqualTo(5);

    source.registry.submit(service(OWNER, "s5"));
    Gossip second = Gossip.builder().registry(local).cursors(local.peerCursors()).interval(INTERVAL)
        .peers(List.of(URI.create(source.url() + "/"))).learnPeers(false).build(); // same peer, other spelling
    open.add(second);
    second.start();
    await(WITHIN, "the new record", () -> local.services().size() == 6);
    Thread.sleep(2 * INTERVAL.toMillis());
    assertThat(second.stats().pulled()).isEqualTo(1);
    assertThat(second.stats().rounds()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aPeerWithANewLogIsPulledFromTheStartAgain() throws Exception {
    Node peer = new Node();
    for (int i = 0; i < 5; i++) {
      peer.registry.submit(service(OWNER, "old" + i));
    }
    SqliteRegistry local = SqliteRegistry.inMemory();
    open.add(local);
    Gossip gossip = Gossip.builder().registry(local).cursors(local.peerCursors()).interval(INTERVAL)
        .peers(List.of(peer.url())).learnPeers(false).build();
    open.add(gossip);
    gossip.start();
    await(WITHIN, "the first log", () -> local.peerCursors().cursor(peer.url()) == 5);
    assertThat(local.services()).hasSize(5);

    // The peer loses its database and starts over at the same address with one record: cursor 1 < ours (5).
    SqliteRegistry fresh = SqliteRegistry.inMemory();
    open.add(fresh);
    ServiceRecord reborn = service(OWNER, "reborn");
    fresh.submit(reborn);
    peer.http.handler(new RegistryRpc(fresh)::handle);

    await(WITHIN, "the record of the new log", () -> local.service(reborn.serviceId()).isPresent());
    assertThat(local.peerCursors().cursor(peer.url())).isEqualTo(1);
  }

  @Test
  void aPeerWhoseNewLogGrewPastOurCursorIsPulledFromTheStart() throws Exception {
    Node a = new Node();
    List<ServiceRecord> old = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      old.add(service(OWNER, "old" + i));
      a.registry.submit(old.get(i));
    }
    Node b = new Node();
    b.gossip(builder -> builder.learnPeers(false), a.url());
    long oldEnd = a.registry.since(0, 1000).next();
    await(WITHIN, "node B at the end of A's log", () -> b.registry.peerCursors().cursor(a.url()) == oldEnd);

    // A loses its database; by the time B asks again, the new one at the same URL holds more records than B's
    // cursor, the first of which B has never seen. Its `next` is past B's cursor: only the log id tells.
    SqliteRegistry fresh = SqliteRegistry.inMemory();
    open.add(fresh);
    List<ServiceRecord> reborn = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      reborn.add(service(OWNER, "reborn" + i));
      fresh.submit(reborn.get(i));
    }
    long freshEnd = fresh.since(0, 1000).next();
    assertThat(freshEnd).isGreaterThan(oldEnd);
    a.http.handler(new RegistryRpc(fresh)::handle);

    await(WITHIN, "node B at the end of A's new log", () -> b.registry.peerCursors().cursor(a.url()) == freshEnd);
    assertThat(b.registry.services()).containsAll(reborn).containsAll(old).hasSize(8);
    assertThat(b.registry.peerCursors().position(a.url()))
        .isEqualTo(new LogPosition(fresh.logId(), freshEnd));
  }

  @Test
  void aCursorStoredBeforeThePeerNamedItsLogIsKeptAndTheIdAdopted() throws Exception {
    Node peer = new Node();
    for (int i = 0; i < 5; i++) {
      peer.registry.submit(service(OWNER, "s" + i));
    }
    long end = peer.registry.since(0, 1000).next();
    long middle = peer.registry.since(0, 3).next();
    SqliteRegistry local = SqliteRegistry.inMemory();
    open.add(local);
    // As a node of an older release left it: the cursor, no log id.
    local.peerCursors().save(peer.url(), new LogPosition("", middle));
    Gossip gossip = Gossip.builder().registry(local).interval(INTERVAL).peers(List.of(peer.url()))
        .learnPeers(false).build();
    open.add(gossip);
    gossip.start();

    await(WITHIN, "the pull from the stored cursor", () -> local.peerCursors().cursor(peer.url()) == end);
    assertThat(local.peerCursors().position(peer.url()))
        .isEqualTo(new LogPosition(peer.registry.logId(), end));
    assertThat(local.services()).hasSize(2); // only what came after the cursor: the id was adopted, not a restart
    assertThat(gossip.stats().pulled()).isEqualTo(2);
  }

  @Test
  void aPeerThatNamesNoLogIsStillReadAgainWhenItsLogEndsBeforeOurCursor() throws Exception {
    Node peer = new Node();
    for (int i = 0; i < 5; i++) {
      peer.registry.submit(service(OWNER, "old" + i));
    }
    peer.http.handler(withoutLog(new RegistryRpc(peer.registry)::handle));
    Node local = new Node();
    local.gossip(b -> b.learnPeers(false), peer.url());
    await(WITHIN, "the first log", () -> local.registry.peerCursors().cursor(peer.url()) == 5);
    assertThat(local.registry.peerCursors().position(peer.url()).log()).isEmpty();

    SqliteRegistry fresh = SqliteRegistry.inMemory();
    open.add(fresh);
    ServiceRecord reborn = service(OWNER, "reborn");
    fresh.submit(reborn);
    peer.http.handler(withoutLog(new RegistryRpc(fresh)::handle));

    await(WITHIN, "the record of the new log", () -> local.registry.service(reborn.serviceId()).isPresent());
    assertThat(local.registry.peerCursors().position(peer.url())).isEqualTo(new LogPosition("", 1));
  }

  /** A peer of an older release: its log pages (tandem_records, and here its index too) carry no log id. */
  private static RpcHttpServer.Handler withoutLog(RpcHttpServer.Handler handler) {
    return (method, params) -> {
      JsonNode result = handler.handle(method, params);
      if (method.equals(RegistryRpc.RECORDS) || method.equals(RegistryRpc.RECORD_INDEX)) {
        ((ObjectNode) result).remove("log");
      }
      return result;
    };
  }

  @Test
  void anAnswerWithAMalformedLogIdIsAFailedPull() throws Exception {
    ServiceRecord good = service(OWNER, "good");
    RpcHttpServer odd = RpcHttpServer.start((method, params) -> {
      ObjectNode result = Json.object();
      result.putArray("records").add(good.toJson());
      result.put("next", 1);
      result.put("more", false);
      result.put("log", "line\nbreak"); // it would be logged and stored: refused
      return result;
    });
    open.add(odd);
    Node local = new Node();
    local.gossip(b -> b.learnPeers(false), odd.url());

    await(WITHIN, "a failed pull", () -> local.gossip.stats().failures() >= 1);
    assertThat(local.registry.services()).isEmpty();
    assertThat(local.registry.peerCursors().position(odd.url())).isEqualTo(LogPosition.START);
  }

  @Test
  void pullsFetchOnlyTheRecordsTheIndexNamesThatAreMissing() throws Exception {
    Node peer = new Node();
    Node local = new Node();
    List<ServiceRecord> both = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ServiceRecord s = service(OWNER, "both" + i);
      peer.registry.submit(s);
      local.registry.submit(s); // held already: named by the index, never sent
      both.add(s);
    }
    ServiceRecord only = service(OWNER, "only-at-the-peer");
    peer.registry.submit(only);
    local.gossip(b -> b.learnPeers(false), peer.url());

    await(WITHIN, "the missing record", () -> local.registry.service(only.serviceId()).isPresent());
    long end = peer.registry.since(0, 1000).next();
    await(WITHIN, "the cursor at the peer's end", () -> local.registry.peerCursors().cursor(peer.url()) == end);
    assertThat(local.gossip.stats().listed()).isEqualTo(6);
    assertThat(local.gossip.stats().pulled()).isEqualTo(1);
    assertThat(local.registry.services()).hasSize(6);
  }

  @Test
  void aPeerThatWithholdsRecordsAndLiesAboutItsCursorCannotBlockConvergence() throws Exception {
    Node honest = new Node();
    List<ServiceRecord> early = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ServiceRecord s = service(OWNER, "early" + i);
      honest.registry.submit(s); // before any gossip: only pulls carry these
      early.add(s);
    }
    // Names every honest record in its index, at a cursor far beyond any real log, and then sends none of them.
    RpcHttpServer liar = RpcHttpServer.start((method, params) -> {
      ObjectNode result = Json.object();
      switch (method) {
        case RegistryRpc.RECORD_INDEX -> {
          var entries = result.putArray("entries");
          early.forEach(s -> entries.addObject().put("type", "service").put("id", s.serviceId()));
          result.put("next", 1L << 50);
          result.put("more", false);
        }
        case RegistryRpc.GET_RECORDS -> result.putArray("records");
        default -> throw new UnsupportedOperationException("not answered");
      }
      return result;
    });
    open.add(liar);
    Node local = new Node();
    local.gossip(b -> b.learnPeers(false), liar.url(), honest.url());

    await(WITHIN, "every record from the honest peer", () -> local.registry.services().size() == early.size());
    assertThat(local.registry.services()).containsExactlyInAnyOrderElementsOf(early);
    assertThat(local.gossip.stats().rejected()).isZero();
  }

  @Test
  void aFloodingPeerCostsBoundedWorkAndItsRecordsAreStillChecked() throws Exception {
    Node honest = new Node();
    ServiceRecord good = service(OWNER, "good");
    honest.registry.submit(good);
    ObjectNode tampered = service(OWNER, "bad").toJson();
    tampered.put("description", "changed after signing"); // the signature no longer matches
    java.util.concurrent.atomic.AtomicLong fetched = new java.util.concurrent.atomic.AtomicLong();
    // An index without end: every page full of ids nobody holds, always "more"; every fetch answered with a forged
    // record for each id asked, and more besides.
    RpcHttpServer flood = RpcHttpServer.start((method, params) -> {
      ObjectNode result = Json.object();
      switch (method) {
        case RegistryRpc.RECORD_INDEX -> {
          long cursor = params.path("cursor").asLong();
          int limit = params.path("limit").asInt();
          var entries = result.putArray("entries");
          for (int i = 0; i < limit; i++) {
            entries.addObject().put("type", "service").put("id", "bafkreifake" + (cursor + i));
          }
          result.put("next", cursor + limit);
          result.put("more", true);
        }
        case RegistryRpc.GET_RECORDS -> {
          var records = result.putArray("records");
          for (int i = 0; i < 2 * params.path("ids").size(); i++) {
            records.add(tampered);
          }
          fetched.addAndGet(params.path("ids").size());
        }
        default -> throw new UnsupportedOperationException("not answered");
      }
      return result;
    });
    open.add(flood);
    Node local = new Node();
    int pageSize = 8;
    local.gossip(b -> b.learnPeers(false).pageSize(pageSize), flood.url(), honest.url());

    await(WITHIN, "the honest record", () -> local.registry.service(good.serviceId()).isPresent());
    Thread.sleep(3 * INTERVAL.toMillis());
    GossipStats stats = local.gossip.stats();
    assertThat(local.registry.services()).containsExactly(good); // nothing forged is stored
    assertThat(stats.rejected()).isPositive();
    // Per pull at most MAX_PAGES_PER_ROUND pages of the index, and records checked at most as many as were asked.
    long bound = (stats.rounds() + 1) * PeerWorkers.MAX_PAGES_PER_ROUND * pageSize;
    assertThat(stats.listed()).isLessThanOrEqualTo(bound + pageSize); // + the honest peer's entry
    assertThat(stats.rejected()).isLessThanOrEqualTo(fetched.get());
  }

  @Test
  void aPeerWithoutAnIndexIsPulledWholeWithTandemRecords() throws Exception {
    Node old = new Node();
    List<ServiceRecord> early = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ServiceRecord s = service(OWNER, "early" + i);
      old.registry.submit(s);
      early.add(s);
    }
    RegistryRpc full = new RegistryRpc(old.registry);
    // A node of an older release: it knows tandem_records and tandem_submitRecord only.
    old.http.handler((method, params) -> {
      if (method.equals(RegistryRpc.RECORD_INDEX) || method.equals(RegistryRpc.GET_RECORDS)) {
        throw new UnsupportedOperationException("the method " + method + " does not exist");
      }
      return full.handle(method, params);
    });
    Node local = new Node();
    local.gossip(b -> b.learnPeers(false), old.url());

    await(WITHIN, "every record of the older node", () -> local.registry.services().size() == early.size());
    assertThat(local.gossip.stats().failures()).isZero();
    assertThat(local.gossip.stats().listed()).isZero();
    assertThat(local.gossip.stats().pulled()).isEqualTo(early.size());
  }

  @Test
  void withASmallPushFanoutARecordStillReachesEveryPeer() throws Exception {
    Node hub = new Node();
    List<Node> leaves = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Node leaf = new Node();
      leaf.gossip(b -> b.learnPeers(false), hub.url());
      leaves.add(leaf);
    }
    hub.gossip(b -> b.learnPeers(false).pushFanout(1), leaves.stream().map(Node::url).toArray(URI[]::new));
    ServiceRecord s = service(OWNER, "rumor");
    hub.registry.submit(s); // pushed to one leaf, pulled by the others from the hub
    for (Node leaf : leaves) {
      await(WITHIN, "the record on every leaf", () -> leaf.registry.service(s.serviceId()).isPresent());
    }
  }

  @Test
  void badConfigurationIsRefused() {
    SqliteRegistry r = SqliteRegistry.inMemory();
    open.add(r);
    assertThatThrownBy(() -> Gossip.builder().registry(r).peers(List.of(URI.create("ftp://x"))).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
    assertThatThrownBy(() -> Gossip.builder().registry(r).interval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    assertThatThrownBy(() -> Gossip.builder().registry(r).pushFanout(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pushFanout");
    assertThatThrownBy(() -> Gossip.builder().build()).isInstanceOf(NullPointerException.class);
    Gossip g = Gossip.builder().registry(r).self(URI.create("http://127.0.0.1:7001/")).build();
    open.add(g);
    assertThat(g.addPeer(URI.create("http://127.0.0.1:7001"))).isFalse(); // itself
    assertThat(g.addPeer(URI.create("http://127.0.0.1:7002"))).isTrue();
    assertThat(g.addPeer(URI.create("HTTP://127.0.0.1:7002/"))).isFalse(); // the same peer
    assertThat(g.peers()).containsExactly(URI.create("http://127.0.0.1:7002"));
  }
}
