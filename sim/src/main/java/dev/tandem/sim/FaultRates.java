package dev.tandem.sim;

import java.time.Duration;

/**
 * How often each fault strikes. Message faults are probabilities per message; process and network faults are
 * mean times between events of a Poisson process per node (crashes, slow spells), per standalone client (restarts)
 * or for the whole network (partitions). Means are in virtual time: 100,000 calls take about three virtual hours.
 *
 * @param drop           a message (request or reply) is lost: the request times out
 * @param delay          a message is held back 0.2 to 3 s, past the client's hedge delay
 * @param corrupt        a reply has one byte changed in transit: the signature no longer matches
 * @param overload       a node answers "overloaded" (-32000, not attested) instead of running the call
 * @param nodeUptime     mean time between crashes of a node; it comes back after 5 to 90 s
 * @param slowGap        mean time between slow spells of a node (10 to 120 s, each answer 1.2 to 4 s slower)
 * @param partitionGap   mean time between network partitions (5 to 60 s, up to a third of all parties cut off)
 * @param clientUptime   mean time between restarts of a standalone client (scores not yet flushed are lost)
 */
record FaultRates(double drop, double delay, double corrupt, double overload, Duration nodeUptime,
    Duration slowGap, Duration partitionGap, Duration clientUptime) {

  static FaultRates defaults() {
    return new FaultRates(0.003, 0.02, 0.001, 0.005, Duration.ofMinutes(15), Duration.ofMinutes(20),
        Duration.ofMinutes(6), Duration.ofMinutes(30));
  }

  /** Liars only: a perfect network and processes that never fail. */
  static FaultRates none() {
    return new FaultRates(0, 0, 0, 0, null, null, null, null);
  }
}
