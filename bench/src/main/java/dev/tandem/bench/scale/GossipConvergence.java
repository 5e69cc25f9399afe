package dev.tandem.bench.scale;

import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.registry.gossip.Gossip;
import dev.tandem.registry.store.SqliteRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How long a network of nodes takes until every node holds every record: {@code nodes} SQLite registries, each with
 * the real {@link Gossip} (pull every interval, push on store, peers learned from ServerRecords) at a
 * node's default interval, connected in-process by {@link RegistryNet}. Each node is configured with a few random
 * peers, as operators give a new node one or two to start from. At the start every node stores its own ServerRecord
 * (as a node publishes its record once its gossip runs), and ten service records are submitted at random nodes;
 * the clock runs until every node holds all of them.
 *
 * <p>The registries are in memory: on files, one disk would take every node's fsyncs in turn (each stored record is
 * fsynced, see the store measurement), where a real network has a disk per node. Likewise every node's CPU work runs
 * on this machine's cores, so the time is an upper bound; the CPU time it took is printed with it.
 */
final class GossipConvergence {
  static final double TARGET_SECONDS = 10;
  /** A node's default gossip interval ({@code NodeConfig}). */
  static final Duration INTERVAL = Duration.ofSeconds(2);
  static final int PEERS_EACH = 2;
  static final int SERVICES = 10;
  private static final Duration GIVE_UP = Duration.ofSeconds(120);

  record Result(int nodes, int records, int peersEach, Duration interval, double seconds, double cpuSeconds,
      boolean converged) {}

  /** CPU time of this whole process (every node's threads), in nanoseconds. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private GossipConvergence() {}

  /** How many of the records {@code r} holds, looked up one by one. */
  private static int holds(SqliteRegistry r, List<ServerRecord> servers, List<String> serviceIds) {
    int has = 0;
    for (ServerRecord s : servers) {
      has += r.server(s.key()).isPresent() ? 1 : 0;
    }
    for (String id : serviceIds) {
      has += r.service(id).isPresent() ? 1 : 0;
    }
    return has;
  }

  static Result run(PrintStream out, int n, long seed) throws Exception {
    ScaleBenchmark.Records records = ScaleBenchmark.Records.make(n, SERVICES, 2, seed);
    List<ServerRecord> servers = records.servers();
    List<URI> urls = servers.stream().map(ServerRecord::url).toList();
    SplittableRandom random = new SplittableRandom(seed);
    List<SqliteRegistry> registries = new ArrayList<>();
    List<Gossip> gossips = new ArrayList<>();
    out.printf(Locale.ROOT, "measuring gossip convergence: %d nodes, %d records …%n", n, n + SERVICES);
    try (RegistryNet net = new RegistryNet()) {
      for (int i = 0; i < n; i++) {
        SqliteRegistry r = SqliteRegistry.inMemory();
        registries.add(r);
        net.add(urls.get(i), r);
      }
      for (int i = 0; i < n; i++) {
        List<URI> peers = new ArrayList<>();
        while (peers.size() < Math.min(PEERS_EACH, n - 1)) {
          URI p = urls.get(random.nextInt(n));
          if (!p.equals(urls.get(i)) && !peers.contains(p)) {
            peers.add(p);
          }
        }
        gossips.add(Gossip.builder().registry(registries.get(i)).transport(net).peers(peers).self(urls.get(i))
            .interval(INTERVAL).maxBackoff(Duration.ofSeconds(30)).build());
      }
      long t0 = System.nanoTime();
      long cpu0 = cpuNanos();
      gossips.forEach(Gossip::start);
      for (int i = 0; i < n; i++) {
        registries.get(i).submit(servers.get(i));
      }
      for (ServiceRecord s : records.services()) {
        registries.get(random.nextInt(n)).submit(s);
      }
      long giveUp = t0 + GIVE_UP.toNanos();
      boolean converged = false;
      long nextReport = t0 + 1_000_000_000L;
      // Checked by key and id (map lookups): asking for the lists would rebuild each registry's indexes after every
      // change, CPU that the nodes' gossip would be charged with.
      boolean[] complete = new boolean[n];
      List<String> serviceIds = records.services().stream().map(ServiceRecord::serviceId).toList();
      while (System.nanoTime() < giveUp) {
        int done = 0;
        long held = 0;
        for (int i = 0; i < n; i++) {
          if (!complete[i]) {
            int has = holds(registries.get(i), servers, serviceIds);
            complete[i] = has == n + SERVICES;
            held += has;
          } else {
            held += n + SERVICES;
          }
          done += complete[i] ? 1 : 0;
        }
        if (done == n) {
          converged = true;
          break;
        }
        if (System.nanoTime() >= nextReport) {
          out.printf(Locale.ROOT, "  %.1f s: %d of %d nodes hold every record, %.1f%% of all copies are there%n",
              (System.nanoTime() - t0) / 1e9, done, n, 100.0 * held / n / (n + SERVICES));
          nextReport += 1_000_000_000L;
        }
        Thread.sleep(50);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpuSeconds = (cpuNanos() - cpu0) / 1e9;
      long pulls = gossips.stream().mapToLong(g -> g.stats().pulled()).sum();
      long pushes = gossips.stream().mapToLong(g -> g.stats().pushed()).sum();
      long listed = gossips.stream().mapToLong(g -> g.stats().listed()).sum();
      long failures = gossips.stream().mapToLong(g -> g.stats().failures()).sum();
      out.printf(Locale.ROOT, "records pulled %,d (of %,d index entries read), pushed %,d, failed requests %,d in "
          + "all; %.1f s of CPU for all %d nodes (%.2f s each)%n", pulls, listed, pushes, failures, cpuSeconds, n,
          cpuSeconds / n);
      return new Result(n, n + SERVICES, PEERS_EACH, INTERVAL, seconds, cpuSeconds, converged);
    } finally {
      gossips.forEach(Gossip::close);
      registries.forEach(SqliteRegistry::close);
    }
  }
}
