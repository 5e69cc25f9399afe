package dev.tandem.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The simulated nodes pull the evidence they missed as real nodes do: each honest node runs the node's own
 * {@link dev.tandem.node.evidence.EvidenceSync} on the simulation's clock and network, so a liar convicted by one
 * node ends up convicted by every honest node, including those that were down or cut off while the evidence was
 * forwarded (crashes and partitions are injected throughout the run).
 */
class EvidenceSyncInSimTest {
  private static final Pattern HONEST_NODES = Pattern.compile("and (\\d+)/(\\d+) honest nodes");
  private static final Pattern PULLED = Pattern.compile("\\((\\d+) on evidence pulled from a peer\\)");

  @Test
  void everyHonestNodeConvictsEveryLiarThatLied() throws Exception {
    SimConfig config = SimulationTest.config(3, 20_000);
    SimSummary summary = Simulation.run(config);
    String why = SimulationTest.replay(config) + "\n" + summary.text();
    assertThat(summary.passed()).as(why).isTrue();
    assertThat(summary.liarsThatLied()).as("liars were exercised").isPositive();

    List<String> perLiar = new ArrayList<>();
    Matcher m = HONEST_NODES.matcher(summary.text());
    while (m.find()) {
      perLiar.add(m.group(1) + "/" + m.group(2));
      assertThat(m.group(1)).as("honest nodes convicting a liar; %s", why).isEqualTo(m.group(2));
    }
    assertThat(perLiar).as(why).hasSize(summary.liarsConvicted());

    Matcher pulled = PULLED.matcher(summary.text());
    assertThat(pulled.find()).as(why).isTrue();
    assertThat(Long.parseLong(pulled.group(1))).as("convictions on pulled evidence: the sync ran; %s", why)
        .isPositive();
  }
}
