package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code tandem simulate}: a replayable summary, exit code 0 on a pass, 1 and the replay command on a failure. */
class SimulateCommandTest {
  @Test
  void aSmallRunPassesAndTheSameSeedPrintsTheSameSummary() throws Exception {
    String[] args = {"simulate", "--seed", "5", "--nodes", "10", "--liars", "0.3", "--calls", "400"};
    CliTest.Run first = CliTest.run(args);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("Tandem simulation, seed 5").contains("WRONG RESULTS   0")
        .contains("result            PASS");
    assertThat(first.err()).contains("replay: ./tandem simulate --seed 5 --nodes 10 --liars 3 --calls 400");
    assertThat(CliTest.run(args).out()).isEqualTo(first.out());
    // --json: the same run, its counts as fields and the summary as printed
    String[] json = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--json"))
        .toArray(String[]::new);
    var out = dev.tandem.core.json.Json.parse(CliTest.run(json).out());
    assertThat(out.path("summary").asText()).isEqualTo(first.out());
    assertThat(out.path("seed").asLong()).isEqualTo(5);
    assertThat(out.path("calls").asLong()).isEqualTo(400);
    assertThat(out.path("wrong").asLong()).isZero();
    assertThat(out.path("passed").asBoolean()).isTrue();
    assertThat(out.path("replay").asText()).startsWith("./tandem simulate --seed 5 --nodes 10 --liars 3");
  }

  @Test
  void colludingLiarsThatWinAFailingRunPrintTheReplayCommand() {
    CliTest.Run r = CliTest.run("simulate", "--seed", "3", "--nodes", "10", "--liars", "0.6", "--calls", "300",
        "--collude", "--verifier", "equal", "--lie-rate", "1", "--no-faults");
    assertThat(r.code()).as(r.out()).isEqualTo(1);
    assertThat(r.out()).contains("COLLUDING liars").contains("result            FAIL");
    assertThat(r.err()).contains("FAILED; replay with: ./tandem simulate --seed 3 --nodes 10 --liars 6 --calls 300"
        + " --clients 4 --collude --verifier equal --lie-rate 1.0 --no-faults");
  }

  @Test
  void theAttackFlagsShapeTheRunAndTheReplay() {
    CliTest.Run r = CliTest.run("simulate", "--seed", "4", "--nodes", "10", "--liars", "0.3", "--calls", "300",
        "--collude", "--lie-rate", "1", "--lie-after", "20", "--audit", "0.1", "--referee", "local", "--no-home");
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("no home server").contains("after its own first 20 answers")
        .contains("turns liar after 20 answers").containsPattern("audits +[1-9][0-9]* at rate 0.1")
        .contains("wrong accepted: 0 of 300 calls").contains("honest servers convicted 0");
    assertThat(r.err()).contains("--collude --lie-rate 1.0 --lie-after 20 --audit 0.1 --no-home");
    CliTest.Run bad = CliTest.run("simulate", "--seed", "1", "--referee", "nobody");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--referee must be local, home or none, got nobody");
  }

  @Test
  void badInputIsOneClearLine() {
    CliTest.Run r = CliTest.run("simulate", "--seed", "1", "--liars", "many");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("liars must be a count (6) or a fraction (0.3)").doesNotContain("\tat ");
  }
}
