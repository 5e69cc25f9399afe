package dev.tandem.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StaticFilesTest {
  @Test
  void missesAreNeverCachedSoMadeUpNamesCannotGrowMemory() {
    StaticFiles files = new StaticFiles("dashboard");
    for (int i = 0; i < 10_000; i++) {
      assertThat(files.get("made-up-" + i + ".js")).isEmpty();
    }
    assertThat(files.cached()).isZero();
    assertThat(files.get("index.html")).isPresent();
    assertThat(files.get("index.html")).isPresent();
    assertThat(files.cached()).isEqualTo(1);
  }
}
