package dev.tandem.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Process and network faults over virtual time: nodes crash and restart, nodes have slow spells, standalone clients
 * restart, and partitions cut a random group of parties off from the rest for a while. Each is a Poisson process
 * drawn from its own random stream. {@link #stop} ends new faults; those under way still end (nodes come back,
 * partitions heal).
 */
final class FaultSchedule {
  private final World world;
  private final RandomGenerator random;
  private final FaultRates rates;
  private final List<SimNode> nodes;
  private final List<SimClient> clients;
  private final List<String> parties;
  private boolean stopped;

  FaultSchedule(World world, RandomGenerator random, List<SimNode> nodes, List<SimClient> clients,
      List<String> parties) {
    this.world = world;
    this.random = random;
    this.rates = world.rates();
    this.nodes = nodes;
    this.clients = clients;
    this.parties = List.copyOf(parties);
  }

  void start() {
    for (SimNode n : nodes) {
      if (rates.nodeUptime() != null) {
        every(rates.nodeUptime(), () -> crash(n));
      }
      if (rates.slowGap() != null) {
        every(rates.slowGap(), () -> slow(n));
      }
    }
    for (SimClient c : clients) {
      if (c.host() == null && rates.clientUptime() != null) {
        every(rates.clientUptime(), () -> {
          c.crash();
          world.tally().fault("client restarted");
        });
      }
    }
    if (rates.partitionGap() != null) {
      every(rates.partitionGap(), this::partition);
    }
  }

  void stop() {
    stopped = true;
  }

  /** Runs {@code fault} at exponentially distributed intervals of mean {@code mean}, until stopped. */
  private void every(Duration mean, Runnable fault) {
    world.time().after(exponential(mean), () -> {
      if (!stopped) {
        fault.run();
        every(mean, fault);
      }
    });
  }

  private void crash(SimNode n) {
    if (!n.up()) {
      return;
    }
    n.crash();
    world.tally().fault("node crashed");
    world.time().after(uniform(5, 90), () -> {
      n.restart();
      world.tally().fault("node restarted");
    });
  }

  private void slow(SimNode n) {
    n.slowDown(uniform(10, 120), uniform(1.2, 4));
    world.tally().fault("node slow spell");
  }

  private void partition() {
    List<String> pool = new ArrayList<>(parties);
    int size = 1 + random.nextInt(Math.max(1, pool.size() / 3));
    Set<String> side = new TreeSet<>();
    for (int i = 0; i < size; i++) {
      side.add(pool.remove(random.nextInt(pool.size())));
    }
    world.network().partition(side);
    world.tally().fault("network partition");
    world.time().after(uniform(5, 60), () -> world.network().heal(side));
  }

  private long exponential(Duration mean) {
    return (long) (mean.toNanos() * -Math.log(1 - random.nextDouble()));
  }

  /** Nanoseconds uniformly between {@code lo} and {@code hi} seconds. */
  private long uniform(double lo, double hi) {
    return (long) ((lo + random.nextDouble() * (hi - lo)) * 1e9);
  }
}
