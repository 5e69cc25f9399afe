package dev.tandem.cli.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TandemClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A local Tandem network for the demo, its tests and the network benchmark: real nodes in this process, each with
 * its own port and data folder under one demo folder, the example services registered through server A, offers and
 * rewards as in the picture of the design notes ({@link DemoLayout}), and liars that sign wrong answers.
 *
 * <p>Start with {@link #start}; {@link #close()} stops every node and frees every port.
 */
public final class DemoNetwork implements AutoCloseable {
  /**
   * Settings.
   *
   * @param dir            the demo folder; wiped and reused
   * @param checkout       the folder holding {@code services/} (the example modules)
   * @param layout         who offers, rewards and lies
   * @param basePort       node i listens on basePort + i; 0 picks free ports (in increasing order, so that the
   *                       dashboard's letters, given by URL order, match A, B, C…)
   * @param gossipInterval how often nodes pull records from each other
   * @param readyTimeout   how long to wait for every node to offer its services
   */
  public record Options(Path dir, Path checkout, DemoLayout layout, int basePort, Duration gossipInterval,
      Duration readyTimeout) {
    public static Options of(Path dir, Path checkout, int nodes, int liars) {
      return new Options(dir, checkout, DemoLayout.of(nodes, liars), 0, Duration.ofMillis(250),
          Duration.ofSeconds(90));
    }

    public Options withBasePort(int port) {
      return new Options(dir, checkout, layout, port, gossipInterval, readyTimeout);
    }
  }

  /** One node and its part in the picture. */
  public record Member(DemoLayout.Server role, Node node) {
    public String letter() {
      return role.letter();
    }

    public URI url() {
      return node.url();
    }

    public PublicKey key() {
      return node.publicKey();
    }
  }

  /** A registered example service and its module bytes. */
  public record Service(ServiceRecord record, byte[] wasm) {
    public String id() {
      return record.serviceId();
    }

    public String name() {
      return record.name();
    }
  }

  private final Options options;
  private final List<Member> members = new ArrayList<>();
  private final Map<String, Service> services = new LinkedHashMap<>();
  private final Consumer<String> log;
  private final TrustedRunner trusted = new TrustedRunner();
  /** The index of services/search/corpus.txt, put on server A: the demo's search calls name it by CID. */
  private Cid searchIndex;
  private final List<String> notes = new ArrayList<>();
  private volatile boolean closed;

  private DemoNetwork(Options options, Consumer<String> log) {
    this.options = options;
    this.log = log;
  }

  /**
   * Wipes the demo folder, starts the nodes, registers the services through server A and waits until every node
   * offers what it should. On failure, everything started so far is stopped.
   *
   * @param log receives one line per step (for the user); may ignore them
   */
  public static DemoNetwork start(Options options, Consumer<String> log) throws Exception {
    DemoNetwork net = new DemoNetwork(options, log);
    try {
      net.boot();
      return net;
    } catch (Exception | Error e) {
      net.close();
      throw e;
    }
  }

  private void boot() throws Exception {
    DemoLayout layout = options.layout();
    DemoFolder.prepare(options.dir());
    List<Integer> ports = ports(layout.servers().size(), options.basePort());
    List<URI> urls = ports.stream().map(p -> URI.create("http://127.0.0.1:" + p)).toList();

    // The services' owner signs the records; server A is matrix's home server.
    KeyPair owner = KeyPair.loadOrCreate(options.dir().resolve("owner.key"));
    for (Service service : DemoServices.sign(options.checkout(), owner, urls.get(0))) {
      services.put(service.name(), service);
      trusted.add(service.record(), service.wasm());
    }

    log.accept("starting " + layout.servers().size() + " nodes in " + options.dir() + " ...");
    for (int i = 0; i < layout.servers().size(); i++) {
      DemoLayout.Server role = layout.servers().get(i);
      List<URI> peers = new ArrayList<>(urls);
      peers.remove(i);
      NodeConfig config = NodeConfig.builder(options.dir().resolve(role.letter().toLowerCase()))
          .listen("127.0.0.1:" + ports.get(i)).addPeers(peers)
          .addOffers(ids(role.offers())).addRewards(ids(role.rewards()))
          .gossipInterval(options.gossipInterval())
          .fault(role.liar() ? dev.tandem.node.fault.Fault.LIE : dev.tandem.node.fault.Fault.NONE)
          .build();
      try {
        members.add(new Member(role, Node.start(config)));
      } catch (IOException e) {
        // The port was free when the ports were chosen; another process took it since.
        throw e.getCause() instanceof java.net.BindException || e instanceof java.net.BindException
            ? new IOException("server " + role.letter() + " cannot listen on 127.0.0.1:" + ports.get(i)
                + ": the port is in use", e) : e;
      }
    }

    // The index goes on server A, as `tandem add` puts it: the others fetch it by CID on their first search.
    Member a = members.get(0);
    byte[] index = DemoServices.searchIndex(options.checkout());
    searchIndex = DemoServices.put(a.url(), adminToken(a), index);
    trusted.addInput(searchIndex, index);
    log.accept("search index " + searchIndex + " (" + index.length + " bytes, services/search/corpus.idx) added "
        + "to server A; search calls name it by CID");
    // Registering is what an owner does with `tandem service register`: record and module, through one node.
    NodeClient throughA = new NodeClient(a.url());
    for (Service s : services.values()) {
      throughA.submit(s.record(), s.wasm());
    }
    log.accept("registered " + String.join(", ", services.keySet()) + " through server A; waiting for every "
        + "node to fetch and offer its services ...");
    await("every node to offer its services", options.readyTimeout(), this::converged);
    ensureVerifiable();
  }

  /** Whether every node runs what it wants, and every node's registry has every server's current offers. */
  private boolean converged() {
    for (Member m : members) {
      Set<String> wanted = m.node().hosting().wanted();
      if (!m.node().hosting().readyIds().containsAll(wanted)) {
        return false;
      }
    }
    for (Member viewer : members) {
      for (Member m : members) {
        Optional<ServerRecord> seen = viewer.node().registry().server(m.key());
        if (seen.isEmpty() || !new LinkedHashSet<>(seen.get().offers()).equals(
            new LinkedHashSet<>(m.node().hosting().readyIds()))) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Every service needs as many honest servers as a call asks ({@link DemoLayout#minRequests()}), so that calls
   * still get enough answers once the liars are caught and no longer asked. The reciprocity planner adds what
   * servers owe each other; where that is not enough (or the planner is off), the demo asks honest nodes to offer
   * the service, as an operator would.
   */
  private void ensureVerifiable() throws Exception {
    int needed = options.layout().minRequests();
    for (Service s : services.values()) {
      List<Member> honest = members.stream().filter(m -> !m.role().liar())
          .filter(m -> m.node().hosting().readyIds().contains(s.id())).toList();
      int missing = needed - honest.size();
      for (Member m : members) {
        if (missing <= 0) {
          break;
        }
        if (m.role().liar() || m.node().hosting().wanted().contains(s.id())) {
          continue;
        }
        NodeClient admin = new NodeClient(m.url(), adminToken(m));
        ObjectNode p = Json.object();
        p.put("service", s.id());
        admin.rpc("tandem_offer", p);
        notes.add("server " + m.letter() + " also offers " + s.name() + " so that " + needed
            + " honest servers run it");
        missing--;
      }
    }
    await("every node to offer its services", options.readyTimeout(), this::converged);
  }

  /** The CID the demo's search calls name their index by. */
  public Optional<Cid> searchIndex() {
    return Optional.ofNullable(searchIndex);
  }

  private static String adminToken(Member m) throws IOException {
    return Files.readString(m.node().config().dataDir().resolve("admin.token")).trim();
  }

  private List<String> ids(Set<String> names) {
    return names.stream().map(n -> services.get(n).id()).toList();
  }

  /** A client of this network: verified calls asking at least {@code minRequests} servers. */
  public TandemClient client(int minRequests, long seed) {
    return client(minRequests, seed, true);
  }

  /**
   * A client of this network; without the conviction feed it meets the liars itself instead of avoiding the ones the
   * nodes convicted already, so that a part of the demo can show a liar caught on its own service.
   */
  public TandemClient client(int minRequests, long seed, boolean readConvictionFeed) {
    return TandemClient.builder().bootstrap(members.stream().map(Member::url).toList()).minRequests(minRequests)
        .refreshInterval(Duration.ofSeconds(1)).callTimeout(Duration.ofSeconds(20)).seed(seed)
        .evidenceFeed(readConvictionFeed).build();
  }

  public List<Member> members() {
    return List.copyOf(members);
  }

  /** The member with this key, if any. */
  public Optional<Member> member(PublicKey key) {
    return members.stream().filter(m -> m.key().equals(key)).findFirst();
  }

  /** The registered services by name: matrix, search, whisper. */
  public Map<String, Service> services() {
    return Map.copyOf(services);
  }

  public Service service(String name) {
    return services.get(name);
  }

  public TrustedRunner trusted() {
    return trusted;
  }

  public DemoLayout layout() {
    return options.layout();
  }

  /** What the demo changed beyond the picture (one line each). */
  public List<String> notes() {
    return List.copyOf(notes);
  }

  /** The honest members that have recorded a conviction of {@code server} (they received the evidence and re-ran it). */
  public List<Member> convictedBy(PublicKey server) {
    String key = server.toString();
    return members.stream().filter(m -> !m.role().liar())
        .filter(m -> m.node().activity().convictions().stream().anyMatch(c -> c.server().equals(key))).toList();
  }

  /**
   * Waits (up to {@code timeout}) until every honest node has convicted each of {@code servers}: the client sends
   * evidence in the background, and each node re-runs the call before it convicts.
   *
   * @return whether they all did in time
   */
  public boolean awaitConvictionsSpread(List<PublicKey> servers, Duration timeout) throws InterruptedException {
    long honest = members.stream().filter(m -> !m.role().liar()).count();
    try {
      await("every honest node to convict " + servers, timeout,
          () -> servers.stream().allMatch(k -> convictedBy(k).size() == honest));
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Server A's dashboard. */
  public URI dashboard() {
    return URI.create(members.get(0).url() + "/");
  }

  /** Stops every node (each finishes its running calls first); safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Member m : members.reversed()) {
      try {
        m.node().close();
      } catch (RuntimeException e) {
        log.accept("node " + m.letter() + " did not stop cleanly: " + e.getMessage());
      }
    }
    trusted.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  /**
   * {@code n} ports in increasing order: basePort, basePort + 1, … or, for basePort 0, free ones.
   *
   * @throws IllegalArgumentException naming {@code --base-port} when a port of the range is out of range or in use
   *     now, so that a busy port is reported before the demo folder is wiped or any node started
   */
  public static List<Integer> ports(int n, int basePort) throws IOException {
    List<Integer> out = new ArrayList<>();
    if (basePort < 0) {
      throw new IllegalArgumentException("--base-port must be a port number, or 0 for free ports; got " + basePort);
    }
    if (basePort > 0) {
      if (basePort + n - 1 > 65535) {
        throw new IllegalArgumentException("--base-port " + basePort + " leaves no room for " + n + " nodes");
      }
      for (int i = 0; i < n; i++) {
        int port = basePort + i;
        try (ServerSocket probe = new ServerSocket()) {
          probe.setReuseAddress(true); // as the node's HTTP server binds: a port in TIME_WAIT is free to it
          probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
          String why = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
          throw new IllegalArgumentException("--base-port " + basePort + ": port " + port + " (server "
              + (char) ('A' + i) + ") " + (why.contains("in use") ? "is in use" : "cannot be used: " + why)
              + "; choose another --base-port, or leave it out for free ports");
        }
        out.add(port);
      }
      return out;
    }
    // Hold all sockets open until every port is chosen, so no port is handed out twice.
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        held.add(s);
        out.add(s.getLocalPort());
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    out.sort(Integer::compare);
    return out;
  }

  /** Polls {@code condition} every 50 ms until it holds; throws {@link IllegalStateException} after the timeout. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
