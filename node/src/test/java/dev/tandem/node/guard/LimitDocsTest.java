package dev.tandem.node.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LimitDocsTest {
  @Test
  void theOperatorsGuideListsEveryLimitWithItsDefault() throws Exception {
    Path doc = Path.of("..", "docs", "operating-a-node.md");
    String text = Files.readString(doc);
    for (Limit l : Limit.values()) {
      String defaultText = String.format("%,d", l.defaultValue());
      assertThat(text).as(l.flag()).contains("| `--" + l.flag() + "` | " + defaultText + " |");
    }
    assertThat(text).contains("`--peer-policy`");
    // Limits named where their routes are described, too.
    assertThat(text).contains("| `POST /ipfs` | admin: store the body (module or data, up to `--max-upload-mb`");
  }

  @Test
  void limitsSurviveNodeJsonAndRefuseNegativeValues() {
    NodeLimits set = NodeLimits.defaults().with(Limit.MAX_RECORD_OFFERS, 7);
    NodeLimits back = NodeLimits.fromJson(set.toJson());
    assertThat(back.get(Limit.MAX_RECORD_OFFERS)).isEqualTo(7);
    assertThat(back.get(Limit.MAX_LEARNED_PEERS)).isEqualTo(Limit.MAX_LEARNED_PEERS.defaultValue());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> set.with(Limit.MAX_REGISTRY_MB, -1))
        .hasMessageContaining("--max-registry-mb");
  }
}
