package dev.tandem.bench.scale;

import dev.tandem.client.ServiceHandle;
import dev.tandem.client.TandemClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import dev.tandem.registry.store.SqliteRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * {@code tandem bench scale}: the registry and the client's choice of servers with many records, and how long gossip
 * takes to spread records over many nodes.
 *
 * <ol>
 *   <li>{@code --servers} signed ServerRecords (each of its own key and host, offering {@code --offers} services
 *       drawn at random) and {@code --services} signed ServiceRecords, stored in a {@link SqliteRegistry} file. Then,
 *       per call: the registry's lookups (a service by id and by name, the servers offering it) and a client's
 *       choice of the servers to ask ({@link ServiceHandle#choose}: the candidates, filtered, weighed by score,
 *       distinct operators first), once on the registry and once on records pulled from a node with
 *       {@code tandem_records}.
 *   <li>{@link GossipConvergence}: {@code --gossip-nodes} registries, each with its own gossip, connected in-process.
 * </ol>
 */
public final class ScaleBenchmark {
  /** The per-call target of a lookup or choice, in microseconds. */
  static final double TARGET_MICROS = 50;

  /**
   * Settings.
   *
   * @param servers     ServerRecords stored
   * @param services    ServiceRecords stored
   * @param offers      services each server offers
   * @param gossipNodes nodes of the gossip measurement (0: skip it)
   * @param seconds     length of each per-call measurement
   * @param seed        seeds every random choice
   */
  public record Options(int servers, int services, int offers, int gossipNodes, double seconds, long seed) {}

  /** One measured row: what, microseconds per call at p50, mean and p99. */
  record Row(String what, double p50, double mean, double p99) {}

  private ScaleBenchmark() {}

  public static int run(PrintStream out, Options o) throws Exception {
    out.printf(Locale.ROOT, "Scale benchmark: %,d servers x %,d services (%d offers each), JVM %s on %d cores%n%n",
        o.servers(), o.services(), o.offers(), Runtime.version(), Runtime.getRuntime().availableProcessors());
    Path dir = Files.createTempDirectory("tandem-bench-scale");
    try {
      Records records = Records.make(o.servers(), o.services(), o.offers(), o.seed());
      out.printf(Locale.ROOT, "signed %,d records in %.1f s%n", records.all().size(), records.signSeconds());
      List<Row> rows = new ArrayList<>();
      try (SqliteRegistry registry = SqliteRegistry.open(dir.resolve("registry.db"))) {
        long t0 = System.nanoTime();
        records.all().forEach(registry::submit);
        double storeSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "stored them in %.1f s (%,.0f records/s, every signature checked)%n",
            storeSeconds, records.all().size() / storeSeconds);
        measureRegistry(out, o, records, registry, rows);
        measureClients(out, o, records, registry, rows);
      }
      out.println();
      out.printf(Locale.ROOT, "Per call, microseconds (target <= %.0f µs):%n%n", TARGET_MICROS);
      out.println("| operation | p50 µs | mean µs | p99 µs | mean ÷ target |");
      out.println("|---|---:|---:|---:|---:|");
      for (Row r : rows) {
        out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.2f× |%n", r.what(), r.p50(), r.mean(), r.p99(),
            r.mean() / TARGET_MICROS);
      }
      if (o.gossipNodes() > 0) {
        out.println();
        GossipConvergence.Result g = GossipConvergence.run(out, o.gossipNodes(), o.seed());
        out.println();
        out.println("Gossip convergence (every node holds every record):");
        out.println();
        out.println("| nodes | records | peers configured each | gossip interval | converged after | CPU used | target "
            + "| ratio |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        out.printf(Locale.ROOT, "| %d | %,d | %d | %d ms | %.2f s | %.1f s | %.0f s | %.2f× |%n", g.nodes(),
            g.records(), g.peersEach(), g.interval().toMillis(), g.seconds(), g.cpuSeconds(),
            GossipConvergence.TARGET_SECONDS, g.seconds() / GossipConvergence.TARGET_SECONDS);
        if (!g.converged()) {
          out.println("gossip did not converge within the time allowed");
          return 1;
        }
      }
      return 0;
    } finally {
      deleteTree(dir);
    }
  }

  private static void measureRegistry(PrintStream out, Options o, Records records, Registry registry,
      List<Row> rows) {
    String[] ids = records.ids();
    String[] names = records.names();
    int[] pick = picks(ids.length, o.seed());
    out.println("measuring registry lookups …");
    rows.add(time("registry: service by id", o.seconds(), pick, i -> registry.service(ids[i])));
    rows.add(time("registry: service by name", o.seconds(), pick, i -> registry.resolve(names[i])));
    rows.add(time("registry: servers offering a service", o.seconds(), pick, i -> registry.serversOffering(ids[i])));
  }

  private static void measureClients(PrintStream out, Options o, Records records, SqliteRegistry registry,
      List<Row> rows) throws Exception {
    String[] ids = records.ids();
    String[] names = records.names();
    int[] pick = picks(ids.length, o.seed() + 1);
    try (TandemClient onRegistry = TandemClient.builder().registry(registry).seed(o.seed()).build()) {
      out.println("measuring a client's choice of servers on the registry …");
      rows.add(time("client on the registry: service by id + choose 2 servers", o.seconds(), pick,
          i -> onRegistry.service(ids[i]).choose(2)));
      rows.add(time("client on the registry: service by name + choose 3 servers", o.seconds(), pick,
          i -> onRegistry.service(names[i]).choose(3)));
    }
    URI node = URI.create("http://10.255.255.1:7400");
    try (RegistryNet net = new RegistryNet()) {
      net.add(node, registry);
      try (TandemClient pulled = TandemClient.builder().bootstrap(node).transport(net).evidenceFeed(false)
          .pullEveryRecord(true).refreshInterval(Duration.ofHours(1)).seed(o.seed()).build()) {
        long t0 = System.nanoTime();
        pulled.refresh();
        out.printf(Locale.ROOT, "a client pulled and checked the %,d records in %.1f s%n", records.all().size(),
            (System.nanoTime() - t0) / 1e9);
        out.println("measuring a client's choice of servers on pulled records …");
        rows.add(time("client on pulled records: service by id + choose 2 servers", o.seconds(), pick,
            i -> pulled.service(ids[i]).choose(2)));
      }
    }
  }

  /** A seeded sequence of indexes below {@code n}, so every variant looks up the same things. */
  private static int[] picks(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    return r.ints(1 << 16, 0, n).toArray();
  }

  /** Runs {@code op} on the picks, round and round, for a warm-up and then {@code seconds}, timing every call. */
  static Row time(String what, double seconds, int[] pick, IntConsumer op) {
    System.gc(); // the garbage of the step before is not this step's to collect
    long warm = System.nanoTime() + (long) (Math.min(2, seconds) * 1e9);
    for (int i = 0; System.nanoTime() < warm; i++) {
      op.accept(pick[i & (pick.length - 1)]);
    }
    long[] samples = new long[1 << 20];
    int n = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long total = 0;
    while (n < samples.length) {
      long t = System.nanoTime();
      if (t >= end) {
        break;
      }
      op.accept(pick[n & (pick.length - 1)]);
      long d = System.nanoTime() - t;
      samples[n++] = d;
      total += d;
    }
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    return new Row(what, sorted[n / 2] / 1e3, total / 1e3 / n, sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e3);
  }

  /**
   * The records of a large network, signed: services of ten owners, and servers each of their own key and host
   * offering services drawn at random.
   */
  record Records(List<ServiceRecord> services, List<ServerRecord> servers, double signSeconds) {
    /** The services' ids, hashed once here so that no measurement pays for it. */
    String[] ids() {
      return services.stream().map(ServiceRecord::serviceId).toArray(String[]::new);
    }

    String[] names() {
      return services.stream().map(ServiceRecord::name).toArray(String[]::new);
    }

    List<SignedRecord> all() {
      List<SignedRecord> all = new ArrayList<>(services);
      all.addAll(servers);
      return all;
    }

    static Records make(int servers, int services, int offers, long seed) {
      long t0 = System.nanoTime();
      SplittableRandom random = new SplittableRandom(seed);
      List<KeyPair> owners = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        owners.add(KeyPair.fromSeed(seedBytes(random)));
      }
      List<ServiceRecord> svc = new ArrayList<>();
      for (int i = 0; i < services; i++) {
        svc.add(ServiceRecord.builder().name("svc-" + i)
            .module(Cid.rawSha256(("module " + i).getBytes(StandardCharsets.UTF_8)))
            .home(URI.create("http://10.0.0.1:7400")).createdAt(1_700_000_000_000L)
            .sign(owners.get(i % owners.size())));
      }
      List<ServerRecord> srv = new ArrayList<>();
      for (int i = 0; i < servers; i++) {
        KeyPair key = KeyPair.fromSeed(seedBytes(random));
        List<String> offered = random.ints(0, services).distinct().limit(Math.min(offers, services))
            .mapToObj(j -> svc.get(j).serviceId()).toList();
        URI url = URI.create("http://10." + (1 + i / 65_536) + "." + (i / 256 % 256) + "." + (i % 256) + ":7400");
        srv.add(new ServerRecord(key.publicKey(), url, offered, List.of(), ServerRecord.Capacity.defaults(), 1,
            false, null).signedBy(key));
      }
      srv.sort(Comparator.comparing(ServerRecord::key));
      return new Records(svc, srv, (System.nanoTime() - t0) / 1e9);
    }

    private static byte[] seedBytes(SplittableRandom random) {
      byte[] b = new byte[32];
      random.nextBytes(b);
      return b;
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
