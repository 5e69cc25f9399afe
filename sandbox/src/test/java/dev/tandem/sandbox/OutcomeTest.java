package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.sandbox.engine.TrapKind;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** When two outcomes count as the same (how engines are compared), and how one is summed up for an alarm. */
class OutcomeTest {
  private static Outcome result(String json, long fuel) {
    return new Outcome.Result(json.getBytes(StandardCharsets.UTF_8), fuel, "");
  }

  @Test
  void theSameLabelFuelAndResponseBytesAreTheSameOutcome() {
    assertThat(result("\"pong\"", 7).sameAs(result("\"pong\"", 7))).isTrue();
    assertThat(result("\"pong\"", 7).sameAs(result("\"pong\"", 8))).as("fuel").isFalse();
    assertThat(result("\"pong\"", 7).sameAs(result("\"ping\"", 7))).as("response").isFalse();
  }

  /** Long answers that differ only near the end: a comparison of abbreviated texts would have called them equal. */
  @Test
  void longResponsesThatDifferOnlyAtTheEndAreNotTheSame() {
    String prefix = "x".repeat(5_000);
    Outcome a = result("\"" + prefix + "a\"", 9);
    Outcome b = result("\"" + prefix + "b\"", 9);
    assertThat(a.sameAs(b)).isFalse();
    assertThat(a.summary(200)).isEqualTo(b.summary(200)).hasSize(200 + " fuel=9".length() + "result ".length());
  }

  @Test
  void aTrapIsNotTheResultItMightHaveBeenAndNonDeterministicOutcomesCompareByLabelAndFuel() {
    Outcome trap = new Outcome.Trap(TrapKind.OUT_OF_FUEL, "out of fuel", 100, "");
    assertThat(trap.sameAs(new Outcome.Trap(TrapKind.OUT_OF_FUEL, "out of fuel", 100, ""))).isTrue();
    assertThat(trap.sameAs(result("null", 100))).isFalse();
    Outcome timeout = new Outcome.NonDeterministic(Outcome.NonDeterministic.Reason.TIMEOUT, "deadline", 5, "");
    assertThat(timeout.sameAs(new Outcome.NonDeterministic(Outcome.NonDeterministic.Reason.TIMEOUT, "late", 5, "")))
        .isTrue();
    assertThat(timeout.summary(50)).isEqualTo(timeout.label() + " - fuel=5");
  }
}
