package dev.tandem.node.reciprocity;

import dev.tandem.node.reciprocity.Planner.Arrears;
import dev.tandem.node.reciprocity.Reciprocity.Default;
import dev.tandem.node.reciprocity.Reciprocity.Round;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log lines of a planner round: peers found in default, and what the node offers, keeps or withdraws for whom. */
final class RoundLog {
  private static final Logger LOG = LoggerFactory.getLogger(Reciprocity.class);

  private RoundLog() {}

  /**
   * Logs {@code round}.
   *
   * @param grace how long a peer may stay in arrears
   * @param name a service's name by its id, for people reading the log
   */
  static void log(Round round, Duration grace, Function<String, String> name) {
    for (Default d : round.defaults()) {
      Arrears a = d.arrears();
      LOG.info("peer {} is in default: in arrears since {} (grace {}), it runs {} of the services this node rewards, "
          + "down from {}, while this node runs {} it rewards; withdrawing what runs only for it: {}", d.peer(),
          Instant.ofEpochMilli(d.since()), grace, a.theyGive(), a.promised(), a.iGive(), a.runningFor());
    }
    Plan p = round.plan();
    p.added().forEach(c -> LOG.info("offering {} ({}) for peer {}: {}", name.apply(c.service()), c.service(),
        c.peer(), c.detail()));
    p.reassigned().forEach(c -> LOG.info("keeping {} ({}), now for peer {}: {}", name.apply(c.service()),
        c.service(), c.peer(), c.detail()));
    p.withdrawn().forEach(c -> LOG.info("withdrawing {} ({}) run for peer {}: {}: {}", name.apply(c.service()),
        c.service(), c.peer(), c.reason().text(), c.detail()));
  }
}
