package dev.tandem.client.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TandemClient;
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
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real nodes on loopback for the trust tests, none of them a home server for {@code echo}: three honest ones
 * (h1 to h3), one independent liar ({@code liar}), two colluders (c1, c2) signing the same wrong answers, and
 * {@link SigningFake}s the tests add. Two services run the echo module with {@code builtin:equal}: {@code echo} has no
 * home server, {@code echo-liar-home} names the liar, pinned by key, as its home. Each test makes fresh clients (a
 * fresh client is what a new {@code tandem call} process is) restricted to the members it wants.
 */
final class TrustNet implements AutoCloseable {
  static final String ECHO = "echo";
  static final String LIAR_HOME = "echo-liar-home";

  final Path dir;
  final Map<String, Node> nodes = new LinkedHashMap<>();
  final Map<String, SigningFake> fakes = new LinkedHashMap<>();
  final Map<String, ServiceRecord> services = new LinkedHashMap<>();
  private final byte[] echo = TestFiles.read("services/echo/echo.wasm");
  private int fakeSeed = 40;

  TrustNet() throws Exception {
    dir = Files.createTempDirectory("tandem-trust-it");
    Map<String, Fault> plan = new LinkedHashMap<>();
    plan.put("h2", Fault.NONE);
    plan.put("h3", Fault.NONE);
    plan.put("liar", Fault.LIE);
    plan.put("c1", Fault.COLLUDE);
    plan.put("c2", Fault.COLLUDE);
    nodes.put("h1", start("h1", List.of(), Fault.NONE));
    List<URI> peers = List.of(first().url());
    try (ExecutorService starter = Executors.newFixedThreadPool(2)) {
      Map<String, Future<Node>> started = new LinkedHashMap<>();
      plan.forEach((name, fault) -> started.put(name, starter.submit(() -> start(name, peers, fault))));
      for (Map.Entry<String, Future<Node>> e : started.entrySet()) {
        nodes.put(e.getKey(), e.getValue().get());
      }
    }
    KeyPair owner = KeyPair.fromSeed(new byte[32]);
    ServiceLimits limits = ServiceLimits.defaults().withFuel(50_000_000);
    Node liar = nodes.get("liar");
    services.put(ECHO, echoRecord(ECHO, null, null, limits, owner));
    services.put(LIAR_HOME, echoRecord(LIAR_HOME, liar.url(), liar.publicKey(), limits, owner));
    NodeClient h1 = new NodeClient(first().url());
    for (ServiceRecord s : services.values()) {
      h1.submit(s, echo);
    }
    List<String> ids = ids();
    for (Node n : nodes.values()) {
      String token = Files.readString(n.config().dataDir().resolve("admin.token")).trim();
      for (String id : ids) {
        ObjectNode p = Json.object();
        p.put("service", id);
        new NodeClient(n.url(), token).rpc("tandem_offer", p);
      }
    }
    TestPool.await("every node to offer every service, as h1 sees it", Duration.ofSeconds(90),
        () -> nodes.values().stream().allMatch(n -> first().registry().server(n.publicKey())
            .map(s -> s.offers().containsAll(ids)).orElse(false)));
  }

  private Node start(String name, List<URI> peers, Fault fault) throws Exception {
    return Node.start(NodeConfig.builder(dir.resolve(name)).listen("127.0.0.1:0").addPeers(peers)
        .gossipInterval(Duration.ofMillis(150)).evidenceSyncInterval(Duration.ofMillis(500)).fault(fault).build());
  }

  Node first() {
    return nodes.values().iterator().next();
  }

  Node node(String name) {
    return nodes.get(name);
  }

  List<String> ids() {
    return services.values().stream().map(ServiceRecord::serviceId).sorted().toList();
  }

  String id(String service) {
    return services.get(service).serviceId();
  }

  /**
   * Starts a fake on {@code host} that passes requests on to h1 and answers as {@code policy} says, and registers it
   * (signed ServerRecord at h1) as offering every service.
   */
  SigningFake addFake(String name, String host, SigningFake.Policy policy) throws Exception {
    byte[] seed = new byte[32];
    seed[0] = (byte) fakeSeed++;
    seed[1] = 7;
    KeyPair key = KeyPair.fromSeed(seed);
    SigningFake fake = new SigningFake(host, key, node("h1").url(), policy);
    fakes.put(name, fake);
    new NodeClient(first().url()).submit(new ServerRecord(key.publicKey(), fake.url(), ids(), List.of(),
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key), null);
    TestPool.await("fake " + name + " to be known at h1", Duration.ofSeconds(20),
        () -> first().registry().server(key.publicKey()).isPresent());
    return fake;
  }

  /** The key of a node or fake. */
  PublicKey key(String name) {
    Node n = nodes.get(name);
    return n != null ? n.publicKey() : fakes.get(name).key().publicKey();
  }

  Set<PublicKey> keys(String... names) {
    return Stream.of(names).map(this::key).collect(Collectors.toSet());
  }

  /**
   * A fresh client (new scores, as a new process has) that asks only the named members. It does not read the nodes'
   * evidence feeds, so that the liars other tests got convicted are still asked; turn them on to test them.
   */
  TandemClient.Builder client(String... members) {
    Set<PublicKey> allowed = keys(members);
    return TandemClient.builder().bootstrap(first().url()).serverFilter(s -> allowed.contains(s.key()))
        .requestTimeout(Duration.ofSeconds(5)).moduleDir(dir.resolve("modules")).evidenceFeed(false);
  }

  /**
   * An IPv4 address of this machine that is not loopback, where fakes can listen as one host that is not treated as
   * a local network; empty when the machine has none.
   */
  static Optional<String> nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : nic.inetAddresses().toList()) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return Optional.of(a.getHostAddress());
        }
      }
    }
    return Optional.empty();
  }

  private ServiceRecord echoRecord(String name, URI home, PublicKey homeKey, ServiceLimits limits, KeyPair owner) {
    return ServiceRecord.builder().name(name).module(Cid.rawSha256(echo)).verifier(ServiceRecord.BUILTIN_EQUAL)
        .home(home).homeKey(homeKey).limits(limits).description("echo for trust tests").createdAt(1_000)
        .sign(owner);
  }

  @Override
  public void close() {
    fakes.values().forEach(SigningFake::close);
    List<Node> all = new ArrayList<>(nodes.values());
    for (Node n : all) {
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
