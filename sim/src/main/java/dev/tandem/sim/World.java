package dev.tandem.sim;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What every simulated party shares: virtual time, the network, the registry, the service module's real outcomes,
 * the tally, and the random stream of server-side choices (which node lies when, overload). Built once per run.
 */
final class World {
  private final VirtualTime time;
  private final RandomGenerator random;
  private final FaultRates rates;
  private final Tally tally;
  private final SimNetwork network;
  private final SimRegistry registry = new SimRegistry();
  private final Oracle oracle;
  private final LieStyle lieStyle;
  private final long lieSalt;
  private List<SimNode> nodes = List.of();

  World(VirtualTime time, RandomGenerator random, RandomGenerator networkRandom, FaultRates rates, Tally tally,
      Oracle oracle, LieStyle lieStyle) {
    this.time = time;
    this.random = random;
    this.rates = rates;
    this.tally = tally;
    this.network = new SimNetwork(time, networkRandom, rates, tally);
    this.oracle = oracle;
    this.lieStyle = lieStyle;
    this.lieSalt = random.nextLong();
  }

  VirtualTime time() {
    return time;
  }

  RandomGenerator random() {
    return random;
  }

  FaultRates rates() {
    return rates;
  }

  Tally tally() {
    return tally;
  }

  SimNetwork network() {
    return network;
  }

  SimRegistry registry() {
    return registry;
  }

  Oracle oracle() {
    return oracle;
  }

  LieStyle lieStyle() {
    return lieStyle;
  }

  /** Shared by colluding liars, so they pick the same requests to lie on. */
  long lieSalt() {
    return lieSalt;
  }

  List<SimNode> nodes() {
    return nodes;
  }

  void nodes(List<SimNode> all) {
    this.nodes = List.copyOf(all);
  }
}
