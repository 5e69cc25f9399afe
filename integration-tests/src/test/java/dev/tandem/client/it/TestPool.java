package dev.tandem.client.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TestFiles;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.fault.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A fixed pool of real nodes on loopback, started once for all integration tests of the client (they share it, each
 * test restricting its client to the members it wants with {@code serverFilter}): 4 honest nodes (h0 is the home
 * server), 2 colluding liars, 2 independent liars, one node each with the slow, crash and garbage faults, and fake
 * servers that are not nodes
 * (garbage, forged hashes, an impostor passing on another node's answer, a stalling one, a dead URL).
 *
 * <p>Every member's actual behaviour is probed once after start-up and recorded as its {@link Role}, so the tests'
 * expectations hold whatever fault injection the node implements.
 */
final class TestPool {
  /** How a member behaves, as probed. */
  enum Role {
    /** Answers correctly and in time. */
    HONEST,
    /** Answers with a signed wrong answer. */
    LIAR,
    /** Answers correctly but slowly: it may or may not make a request's deadline. */
    SLOW,
    /** Never gives a valid answer in time. */
    FAILING
  }

  /** The service, registered in several versions that differ in their verifier and home server. */
  enum Variant {
    /** builtin:equal, home server h0. */
    EQUAL_HOME,
    /** builtin:equal, home server at a URL where nothing listens. */
    EQUAL_DEAD_HOME,
    /** builtin:majority, no home server. */
    MAJORITY,
    /** The Wasm verifier services/verifiers/equal (fetched by CID from a node), home server h0. */
    WASM_EQUAL
  }

  record Member(String name, PublicKey key, URI url, String behaviour, Role role) {}

  /** Longest a probe may take before its member counts as failing; tests use a request timeout above it. */
  static final Duration PROBE_TIMEOUT = Duration.ofMillis(1200);
  static final Duration SLOW_ABOVE = Duration.ofMillis(400);

  private static TestPool shared;
  private static TestPool small;

  final Path dir;
  final List<Node> nodes = new ArrayList<>();
  final Node home;
  final FakeServers fakes;
  final Map<Variant, ServiceRecord> services = new EnumMap<>(Variant.class);
  final Map<PublicKey, Member> members = new LinkedHashMap<>();
  final byte[] equalVerifierWasm;

  /** The pool, started on first use and stopped when the JVM exits. */
  static synchronized TestPool shared() throws Exception {
    if (shared == null) {
      Map<String, Fault> plan = new LinkedHashMap<>();
      plan.put("h1", Fault.NONE);
      plan.put("h2", Fault.NONE);
      plan.put("h3", Fault.NONE);
      plan.put("liar1", Fault.COLLUDE); // liar1 and liar2 sign the same wrong answers
      plan.put("liar2", Fault.COLLUDE);
      plan.put("liar3", Fault.LIE); // liar3 and liar4 each sign wrong answers of their own
      plan.put("liar4", Fault.LIE);
      plan.put("slow", Fault.SLOW);
      plan.put("crash", Fault.CRASH);
      plan.put("garbage", Fault.GARBAGE);
      shared = startAndCloseAtExit(plan);
    }
    return shared;
  }

  /**
   * A smaller pool without colluders, for a client that asks any member (no server filter): h0 to h2 honest, one
   * independent liar, one crashing node and the fake servers. Whichever two members a call picks, the verified answer
   * is the honest one; two colluders picked together would be accepted by builtin:equal, so this pool has none.
   */
  static synchronized TestPool small() throws Exception {
    if (small == null) {
      Map<String, Fault> plan = new LinkedHashMap<>();
      plan.put("h1", Fault.NONE);
      plan.put("h2", Fault.NONE);
      plan.put("liar", Fault.LIE);
      plan.put("crash", Fault.CRASH);
      small = startAndCloseAtExit(plan);
    }
    return small;
  }

  private static TestPool startAndCloseAtExit(Map<String, Fault> plan) throws Exception {
    TestPool pool = new TestPool(plan);
    Runtime.getRuntime().addShutdownHook(new Thread(pool::close));
    return pool;
  }

  /** Starts h0 (the home server) and one node per entry of {@code plan}, named by its key. */
  private TestPool(Map<String, Fault> plan) throws Exception {
    dir = Files.createTempDirectory("tandem-client-it");
    KeyPair owner = KeyPair.fromSeed(new byte[32]);
    home = start("h0", List.of(), Fault.NONE);
    List<URI> peers = List.of(home.url());
    try (ExecutorService starter = Executors.newFixedThreadPool(2)) {
      List<Future<Node>> started = new ArrayList<>();
      plan.forEach((name, fault) -> started.add(starter.submit(() -> start(name, peers, fault))));
      for (Future<Node> f : started) {
        f.get();
      }
    }
    nodes.sort(Comparator.comparing(n -> n.config().dataDir().getFileName().toString()));

    byte[] echo = TestFiles.read("services/echo/echo.wasm");
    equalVerifierWasm = TestFiles.read("services/verifiers/equal/equal.wasm");
    URI dead = FakeServers.deadUrl();
    ServiceLimits limits = ServiceLimits.defaults().withFuel(50_000_000);
    services.put(Variant.EQUAL_HOME, echoRecord("echo", ServiceRecord.BUILTIN_EQUAL, home.url(), limits, owner));
    services.put(Variant.EQUAL_DEAD_HOME, echoRecord("echo-dead-home", ServiceRecord.BUILTIN_EQUAL, dead, limits,
        owner));
    services.put(Variant.MAJORITY, echoRecord("echo-majority", ServiceRecord.BUILTIN_MAJORITY, null, limits, owner));
    services.put(Variant.WASM_EQUAL, echoRecord("echo-wasm", Cid.rawSha256(equalVerifierWasm).toString(),
        home.url(), limits, owner));
    NodeClient h0 = new NodeClient(home.url());
    for (ServiceRecord s : services.values()) {
      // The Wasm verifier travels with its service record; nodes check and store it, clients fetch it by CID.
      h0.submit(s, echo, s.verifier().startsWith("builtin:") ? null : equalVerifierWasm);
    }

    List<String> ids = services.values().stream().map(ServiceRecord::serviceId).sorted().toList();
    for (Node n : nodes) {
      String token = Files.readString(n.config().dataDir().resolve("admin.token")).trim();
      for (String id : ids) {
        ObjectNode p = Json.object();
        p.put("service", id);
        new NodeClient(n.url(), token).rpc("tandem_offer", p);
      }
    }
    fakes = new FakeServers(nodes.get(1).url());
    Map<String, URI> fakeUrls = new LinkedHashMap<>();
    for (FakeServers.Mode m : FakeServers.Mode.values()) {
      fakeUrls.put("fake-" + m.name().toLowerCase(), fakes.url(m));
    }
    fakeUrls.put("fake-dead", FakeServers.deadUrl());
    Map<String, PublicKey> fakeKeys = new LinkedHashMap<>();
    int seed = 100;
    for (Map.Entry<String, URI> e : fakeUrls.entrySet()) {
      byte[] s = new byte[32];
      s[0] = (byte) seed++;
      KeyPair key = KeyPair.fromSeed(s);
      h0.submit(new ServerRecord(key.publicKey(), e.getValue(), ids, List.of(), ServerRecord.Capacity.defaults(),
          1, false, null).signedBy(key), null);
      fakeKeys.put(e.getKey(), key.publicKey());
    }
    await("every node to offer every service, as h0 sees it", Duration.ofSeconds(90), () -> nodes.stream()
        .allMatch(n -> home.registry().server(n.publicKey()).map(s -> s.offers().containsAll(ids)).orElse(false)));

    for (Node n : nodes) {
      String name = n.config().dataDir().getFileName().toString();
      members.put(n.publicKey(), new Member(name, n.publicKey(), n.url(), n.config().fault().name().toLowerCase(),
          probe(n.url())));
    }
    fakeKeys.forEach((name, key) -> members.put(key, new Member(name, key, fakeUrls.get(name), name,
        Role.FAILING)));
  }

  private Node start(String name, List<URI> peers, Fault fault) throws Exception {
    NodeConfig config = NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers)
        .gossipInterval(Duration.ofMillis(150)).fault(fault).build();
    Node node = Node.start(config);
    synchronized (nodes) {
      nodes.add(node);
    }
    return node;
  }

  private static ServiceRecord echoRecord(String name, String verifier, URI home, ServiceLimits limits,
      KeyPair owner) {
    byte[] echo = TestFiles.read("services/echo/echo.wasm");
    return ServiceRecord.builder().name(name).module(Cid.rawSha256(echo)).verifier(verifier).home(home)
        .limits(limits).description("echo for client tests").createdAt(1_000).sign(owner);
  }

  /** Calls echo on one member directly and classifies what comes back. */
  private Role probe(URI url) throws Exception {
    String id = services.get(Variant.EQUAL_HOME).serviceId();
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"probe\":[1,2,3]}}";
    long start = System.nanoTime();
    JsonNode answer;
    try {
      HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/services/" + id))
          .timeout(PROBE_TIMEOUT).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
      answer = Json.parse(res.body());
    } catch (Exception e) {
      return Role.FAILING;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (!answer.has("tandem") || !answer.has("result")) {
      return Role.FAILING;
    }
    if (!answer.get("result").equals(Json.parse("{\"probe\":[1,2,3]}"))) {
      return Role.LIAR;
    }
    return took.compareTo(SLOW_ABOVE) > 0 ? Role.SLOW : Role.HONEST;
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  String serviceId(Variant v) {
    return services.get(v).serviceId();
  }

  Member member(String name) {
    return members.values().stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no member " + name));
  }

  /** The keys of the named members, for a client's server filter. */
  Set<PublicKey> keys(String... names) {
    return Stream.of(names).map(n -> member(n).key()).collect(java.util.stream.Collectors.toSet());
  }

  List<Member> withRole(Role role) {
    return members.values().stream().filter(m -> m.role() == role).toList();
  }

  void close() {
    fakes.close();
    for (Node n : nodes) {
      try {
        n.close();
      } catch (RuntimeException ignored) {
        // shutting down anyway
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
