package dev.tandem.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.ServiceCall;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions: four real node processes, each in its own network namespace, two on each side of a link that the test
 * cuts and then restores. While cut, each side keeps answering verified calls (two nodes per side, each answer signed
 * by the node asked, both the same), records are submitted on both sides (one server even gets a different seq on
 * each), and neither side sees the other's. After the link is back, every registry must hold the same records, the
 * newest seq winning, within {@link #CONVERGENCE_BOUND}.
 *
 * <pre>
 *   side A: n1 10.200.0.1, n2 .2, client .11 ── bridge A ══ trunk ══ bridge B ── side B: n3 .3, n4 .4, client .12
 * </pre>
 * The bridges live in their own namespace and the test's clients run in namespaces too ({@link NetProbe}): no address
 * or route is added to the host, and nothing leaves these namespaces. Skipped where namespaces cannot be made.
 *
 * <p>Healing waits for gossip's backoff towards the peers that were unreachable, which grows with the length of the
 * cut (a 60 s cut took 62 s to converge; see docs/RELIABILITY.md): a longer cut needs a longer bound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionTest {
  /** {@code -Dtandem.partition.boundSeconds=N} changes it (a longer cut needs a longer bound: see above). */
  static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(Long.getLong("tandem.partition.boundSeconds", 60));
  /**
   * How long the link stays cut at least: long enough that gossip to the far side has failed many times and backed
   * off, so healing has to wait for a retry rather than find peers that never noticed. {@code
   * -Dtandem.partition.cutSeconds=N} makes it longer.
   */
  static final Duration CUT = Duration.ofSeconds(Long.getLong("tandem.partition.cutSeconds", 15));
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  static final int PORT = 7400;
  static final int NODES = 4;

  @TempDir static Path dir;
  Netns net;
  String sw;
  final List<NodeJvm> nodes = new ArrayList<>();
  final List<URI> urls = new ArrayList<>();
  final List<PublicKey> keys = new ArrayList<>();
  Probe sideA;
  Probe sideB;
  ServiceRecord echo;

  @BeforeAll
  void buildNetwork() throws Exception {
    var why = Netns.unavailable();
    Assumptions.assumeTrue(why.isEmpty(), () -> "network namespaces are not available here: " + why.orElse(""));
    Netns.deleteStale();
    net = new Netns();
    sw = net.add("sw");
    net.bridge(sw, "brA");
    net.bridge(sw, "brB");
    net.trunk(sw, "brA", "trA", "brB", "trB");
    List<String> hosts = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      String ns = net.add("n" + i);
      net.plug(ns, "10.200.0." + i + "/24", sw, side(i) == 'A' ? "brA" : "brB", "p" + i);
      hosts.add(ns);
      urls.add(URI.create("http://10.200.0." + i + ":" + PORT));
    }
    String ca = net.add("ca");
    net.plug(ca, "10.200.0.11/24", sw, "brA", "pca");
    String cb = net.add("cb");
    net.plug(cb, "10.200.0.12/24", sw, "brB", "pcb");

    Path root = Path.of("").toAbsolutePath();
    while (!Files.isRegularFile(root.resolve("services/echo/echo.wasm"))) {
      root = root.getParent();
    }
    byte[] wasm = Files.readAllBytes(root.resolve("services/echo/echo.wasm"));
    echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());

    // Start the four JVMs at once: their start-up is most of this test's set-up time.
    ExecutorService starter = Executors.newFixedThreadPool(NODES);
    try {
      List<Future<NodeJvm>> started = new ArrayList<>();
      for (int i = 1; i <= NODES; i++) {
        List<String> args = new ArrayList<>(List.of("--listen", "10.200.0." + i + ":" + PORT,
            "--gossip-interval-ms", "300", "--offer", echo.serviceId()));
        for (int j = 1; j <= NODES; j++) {
          if (j != i) {
            args.addAll(List.of("--peer", urls.get(j - 1).toString()));
          }
        }
        NodeLauncher launcher = NodeLauncher.local().withPrefix(net.exec(hosts.get(i - 1)));
        Path data = dir.resolve("n" + i);
        Path log = dir.resolve("n" + i + ".log");
        started.add(starter.submit(() -> NodeJvm.start(launcher, data, log, Duration.ofSeconds(90),
            args.toArray(String[]::new))));
      }
      Exception failed = null;
      for (Future<NodeJvm> f : started) {
        try {
          nodes.add(f.get(120, TimeUnit.SECONDS)); // keep every node that did start, so tearDown stops it
        } catch (Exception e) {
          failed = failed == null ? e : failed;
        }
      }
      if (failed != null) {
        throw failed;
      }
    } finally {
      starter.shutdown();
    }
    for (NodeJvm n : nodes) {
      keys.add(PublicKey.parse(n.key()));
    }
    sideA = Probe.start(net.exec(ca), dir.resolve("probe-a.log"));
    sideB = Probe.start(net.exec(cb), dir.resolve("probe-b.log"));

    ObjectNode p = Json.object();
    p.set("record", echo.toJson());
    p.put("module", Base64.getEncoder().encodeToString(wasm));
    assertThat(rpc(sideA, 1, "tandem_submitRecord", p).path("status").asText()).isEqualTo("stored");
    awaitUntil("every node to offer echo", Duration.ofSeconds(60), () -> {
      for (int i = 1; i <= NODES; i++) {
        if (!rpc(probeFor(i), i, "tandem_status", Json.object()).path("offers").toString()
            .contains(echo.serviceId())) {
          return false;
        }
      }
      return true;
    });
  }

  @AfterAll
  void tearDown() throws Exception {
    for (Probe p : new Probe[] {sideA, sideB}) {
      if (p != null) {
        p.close();
      }
    }
    for (NodeJvm n : nodes) {
      n.kill9(); // the namespaces go next; nothing to flush
    }
    if (net != null) {
      net.close();
    }
  }

  static char side(int node) {
    return node <= NODES / 2 ? 'A' : 'B';
  }

  Probe probeFor(int node) {
    return side(node) == 'A' ? sideA : sideB;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void partitionedSidesKeepServingAndConvergeAfterHealing() throws Exception {
    // Connected: a client on side A reaches side B.
    verifiedEcho(sideA, 1, 3, 1);

    net.setLink(sw, "trA", false);
    net.setLink(sw, "trB", false);
    long cutAt = System.nanoTime();

    // The cut is real: side A cannot reach side B at all.
    Probe.Reply across = sideA.post(URI.create(urls.get(2) + "/rpc"), request("tandem_status", Json.object()),
        Duration.ofSeconds(3));
    assertThat(across.error()).as("a call across the cut must fail, got HTTP %d", across.status()).isNotNull();

    // Each side keeps answering verified calls with its two nodes.
    int calls = 0;
    for (int n = 100; n < 110; n++) {
      verifiedEcho(sideA, 1, 2, n);
      verifiedEcho(sideB, 3, 4, n);
      calls += 2;
    }

    // Records written on both sides while cut; one server's record gets seq 5 on A and seq 6 on B.
    Set<String> onA = new TreeSet<>();
    Set<String> onB = new TreeSet<>();
    KeyPair contested = KeyPair.generate();
    onA.add(submit(sideA, 1, server(contested, 5)));
    onB.add(submit(sideB, 3, server(contested, 6)));
    for (int i = 0; i < 8; i++) {
      onA.add(submit(sideA, 1 + i % 2, server(KeyPair.generate(), 1)));
      onB.add(submit(sideB, 3 + i % 2, server(KeyPair.generate(), 1)));
    }
    KeyPair owner = KeyPair.generate();
    onA.add(submit(sideA, 2, ServiceRecord.builder().name("made-on-a").module(Cid.rawSha256(new byte[] {1}))
        .sign(owner)));
    onB.add(submit(sideB, 4, ServiceRecord.builder().name("made-on-b").module(Cid.rawSha256(new byte[] {2}))
        .sign(owner)));

    // Within a side, gossip still spreads them; across the cut, nothing arrives.
    awaitUntil("side A's records on n2", Duration.ofSeconds(20), () -> records(sideA, 2).containsAll(onA));
    awaitUntil("side B's records on n4", Duration.ofSeconds(20), () -> records(sideB, 4).containsAll(onB));
    // Keep serving verified calls on both sides until the cut has lasted CUT; gossip keeps failing across it.
    for (int n = 200; System.nanoTime() - cutAt < CUT.toNanos(); n++) {
      verifiedEcho(sideA, 1, 2, n);
      verifiedEcho(sideB, 3, 4, n);
      calls += 2;
      Thread.sleep(100);
    }
    assertThat(records(sideB, 3)).as("side A's records on n3 while cut").doesNotContainAnyElementsOf(onA);
    assertThat(records(sideA, 1)).as("side B's records on n1 while cut").doesNotContainAnyElementsOf(onB);
    long cutMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);

    net.setLink(sw, "trA", true);
    net.setLink(sw, "trB", true);
    long healedAt = System.nanoTime();
    Set<String> expected = new TreeSet<>(onA);
    expected.addAll(onB);
    expected.remove(server(contested, 5).key() + " 5"); // superseded by seq 6
    awaitUntil("every registry to hold the same records, seq 6 for the contested server", CONVERGENCE_BOUND, () -> {
      Set<String> first = records(probeFor(1), 1);
      if (!first.containsAll(expected) || first.contains(contested.publicKey() + " 5")) {
        return false;
      }
      for (int i = 2; i <= NODES; i++) {
        if (!records(probeFor(i), i).equals(first)) {
          return false;
        }
      }
      return true;
    });
    long convergedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healedAt);

    // Healed: a client on one side is served by the other side again.
    verifiedEcho(sideA, 2, 4, 7);
    verifiedEcho(sideB, 1, 3, 8);
    System.out.printf("PartitionTest: cut for %d ms, %d verified calls while cut, %d records written on each side, "
        + "registries converged %d ms after the link came back (bound %d s)%n", cutMillis, calls, onA.size(),
        convergedMillis, CONVERGENCE_BOUND.toSeconds());
  }

  /** Calls echo on nodes {@code x} and {@code y} and checks both answers and their attestations. */
  void verifiedEcho(Probe probe, int x, int y, int n) throws Exception {
    ServiceCall call = ServiceCall.of("echo", Json.parse("[" + n + "]"));
    String expected = ServiceCall.responseHash(Json.parse("{\"result\":[" + n + "]}"));
    String body = "{\"jsonrpc\":\"2.0\",\"id\":" + n + ",\"method\":\"echo\",\"params\":[" + n + "]}";
    for (int node : new int[] {x, y}) {
      Probe.Reply r = probe.post(URI.create(urls.get(node - 1) + "/services/" + echo.serviceId()), body,
          CALL_TIMEOUT);
      assertThat(r.error()).as("echo %d on n%d", n, node).isNull();
      assertThat(r.status()).isEqualTo(200);
      JsonNode answer = r.json();
      assertThat(answer.path("result").toString()).as("echo %d on n%d: %s", n, node, r.body()).isEqualTo("[" + n + "]");
      Attestation att = Attestation.fromJson(answer.get("tandem"));
      assertThat(att.verifies()).isTrue();
      assertThat(att.server()).isEqualTo(keys.get(node - 1));
      assertThat(att.service()).isEqualTo(echo.serviceId());
      assertThat(att.requestHash()).isEqualTo(call.requestHash());
      assertThat(att.responseHash()).isEqualTo(expected);
    }
  }

  static ServerRecord server(KeyPair key, long seq) {
    return new ServerRecord(key.publicKey(), URI.create("http://10.200.0.250:" + (7000 + seq)), List.of(),
        List.of(), ServerRecord.Capacity.defaults(), seq, false, null).signedBy(key);
  }

  /** Submits a record to node {@code node} and returns its line in {@link #records}. */
  String submit(Probe probe, int node, SignedRecord record) throws Exception {
    ObjectNode p = Json.object();
    p.set("record", record.toJson());
    assertThat(rpc(probe, node, "tandem_submitRecord", p).path("status").asText()).isEqualTo("stored");
    return line(record);
  }

  static String line(SignedRecord r) {
    return switch (r) {
      case ServiceRecord s -> "service " + s.serviceId();
      case ServerRecord s -> s.key() + " " + s.seq();
    };
  }

  /** Every record node {@code node} holds, one line each (a server's line carries its seq). */
  Set<String> records(Probe probe, int node) throws Exception {
    Set<String> out = new TreeSet<>();
    long cursor = 0;
    while (true) {
      ObjectNode p = Json.object();
      p.put("cursor", cursor);
      p.put("limit", 1000);
      JsonNode page = rpc(probe, node, "tandem_records", p);
      for (JsonNode r : page.path("records")) {
        out.add(line(SignedRecord.fromJson(r)));
      }
      cursor = page.path("next").asLong();
      if (!page.path("more").asBoolean()) {
        return out;
      }
    }
  }

  JsonNode rpc(Probe probe, int node, String method, JsonNode params) throws Exception {
    Probe.Reply r = probe.post(URI.create(urls.get(node - 1) + "/rpc"), request(method, params), CALL_TIMEOUT);
    assertThat(r.error()).as("%s on n%d", method, node).isNull();
    JsonNode answer = r.json();
    assertThat(answer.has("error")).as("%s on n%d: %s", method, node, r.body()).isFalse();
    return answer.get("result");
  }

  static String request(String method, JsonNode params) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.put("id", 1);
    r.put("method", method);
    r.set("params", params);
    return r.toString();
  }

  @FunctionalInterface
  interface Check {
    boolean done() throws Exception;
  }

  static void awaitUntil(String what, Duration bound, Check check) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + bound.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(250);
    }
  }
}
