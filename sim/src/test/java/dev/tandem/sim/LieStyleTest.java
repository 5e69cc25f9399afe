package dev.tandem.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Independent liars never agree with each other nor with the truth; colluders always agree. */
class LieStyleTest {
  static final List<String> RESPONSES = List.of("{\"result\":[[1,2],[3,4]]}", "{\"result\":-7}",
      "{\"result\":[]}", "{\"error\":{\"code\":1001,\"message\":\"overflow\"}}", "{\"result\":{\"a\":\"x\"}}");

  @Test
  void independentLiarsEachSignTheirOwnWrongAnswer() {
    for (String r : RESPONSES) {
      byte[] truth = r.getBytes(StandardCharsets.UTF_8);
      Set<String> seen = new HashSet<>();
      seen.add(r);
      for (int liar = 0; liar < 50; liar++) {
        assertThat(seen.add(new String(LieStyle.INDEPENDENT.twist(truth, liar), StandardCharsets.UTF_8)))
            .as("liar %d on %s", liar, r).isTrue();
      }
    }
  }

  @Test
  void colludersAgree() {
    for (String r : RESPONSES) {
      byte[] truth = r.getBytes(StandardCharsets.UTF_8);
      assertThat(LieStyle.COLLUDE.twist(truth, 0)).isEqualTo(LieStyle.COLLUDE.twist(truth, 7)).isNotEqualTo(truth);
    }
  }

  @Test
  void liarsAreACountOrAFraction() {
    assertThat(SimConfig.liarCount("0.3", 20)).isEqualTo(6);
    assertThat(SimConfig.liarCount("7", 20)).isEqualTo(7);
    assertThatThrownBy(() -> SimConfig.liarCount("1.5", 20)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> SimConfig.liarCount("many", 20)).hasMessageContaining("count");
  }
}
