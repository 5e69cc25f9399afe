package dev.tandem.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The simulation as CI runs it: a fixed set of seeds, each 30% liars among 20 nodes with every fault injected, must
 * return no wrong result and convict every liar that lied; and one seed run twice must give the same summary, byte
 * for byte. A failing seed is printed with the command that replays it.
 */
class SimulationTest {
  static final Path MATRIX = Path.of("../services/matrix/matrix.wasm");

  static SimConfig config(long seed, long calls) {
    return SimConfig.defaults(seed, calls, MATRIX);
  }

  static String replay(SimConfig c) {
    return "replay with: ./tandem simulate --seed " + c.seed() + " --nodes " + c.nodes() + " --liars " + c.liars()
        + " --calls " + c.calls() + " --clients " + c.clients();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2026, 424242})
  void thirtyPercentLiarsUnderFaultsGiveNoWrongResultAndAreAllConvicted(long seed) throws Exception {
    SimConfig config = config(seed, 20_000);
    SimSummary summary = Simulation.run(config);
    assertThat(summary.passed()).as("seed %d failed; %s%n%s", seed, replay(config), summary.text()).isTrue();
    assertThat(summary.wrong()).isZero();
    assertThat(summary.liarsThatLied()).as("liars were exercised").isPositive();
    assertThat(summary.answered()).as("availability").isGreaterThan(summary.calls() * 95 / 100);
  }

  @Test
  void adaptiveModeLetsLiesThroughOnlyUncheckedAndStillConvictsEveryLiar() throws Exception {
    SimConfig d = config(5, 20_000);
    SimConfig config = new SimConfig(d.seed(), d.nodes(), d.liars(), d.calls(), d.clients(), d.collude(),
        d.verifiers(), d.lieRate(), d.faults(), d.minRequests(), 0.1, d.module());
    SimSummary summary = Simulation.run(config);
    assertThat(summary.passed()).as("%s --spot-check 0.1%n%s", replay(config), summary.text()).isTrue();
    assertThat(summary.wrong()).as("verified wrong results").isZero();
    assertThat(summary.text()).containsPattern("unchecked +[1-9][0-9]{3,} \\(adaptive mode")
        .contains("wrong unchecked");
  }

  @Test
  void theSameSeedGivesTheSameSummaryByteForByte() throws Exception {
    SimConfig config = config(77, 3_000);
    SimSummary first = Simulation.run(config);
    SimSummary second = Simulation.run(config);
    assertThat(second.text()).as(replay(config)).isEqualTo(first.text());
    assertThat(second.traceDigest()).isEqualTo(first.traceDigest());
    SimSummary other = Simulation.run(config(78, 3_000));
    assertThat(other.traceDigest()).as("another seed is another run").isNotEqualTo(first.traceDigest());
  }
}
