package dev.tandem.node.hosting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.GeneratedModules;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Calls reserve the memory their service lets them reach, tables included; what does not fit is refused before it runs.
 */
class CallMemoryTest {
  @Test
  void callsFitTogetherUpToTheBudgetAndALargerOneRunsAlone() throws Exception {
    CallMemory memory = CallMemory.ofMegabytes(64); // 1,024 pages of 64 KiB
    assertThat(memory.megabytes()).isEqualTo(64);
    assertThat(memory.tryReserve(256)).isTrue(); // four services of 16 MiB fit
    assertThat(memory.tryReserve(256)).isTrue();
    assertThat(memory.tryReserve(256)).isTrue();
    assertThat(memory.tryReserve(256)).isTrue();
    assertThat(memory.tryReserve(1)).as("a fifth call, however small, does not").isFalse();
    memory.release(256);
    assertThat(memory.tryReserve(32_767)).as("2 GiB: waits for the whole budget").isFalse();
    for (int i = 0; i < 3; i++) {
      memory.release(256);
    }
    assertThat(memory.tryReserve(32_767)).as("alone, it runs").isTrue();
    assertThat(memory.reserve(16, Duration.ofMillis(50))).isFalse();
    memory.release(32_767);
    assertThat(memory.reserve(16, Duration.ofMillis(50))).isTrue();
  }

  @Test
  void aCallReservesWhatItsTablesMayTakeBesidesItsMemory() throws Exception {
    try (Sandbox sandbox = Sandbox.builder().threads(1).build()) {
      ServiceModule none = sandbox.load("none", GeneratedModules.module(0, 0, -1), Abi.TANDEM_V1);
      assertThat(SandboxRunner.pages(16, none)).isEqualTo(16);
      ServiceModule bounded = sandbox.load("bounded", GeneratedModules.module(0, 0, -1, new long[] {10, 8192}),
          Abi.TANDEM_V1);
      assertThat(SandboxRunner.pages(16, bounded)).as("8,192 entries of 16 bytes: two pages").isEqualTo(18);
      ServiceModule open = sandbox.load("open", GeneratedModules.module(0, 0, -1, new long[] {10}), Abi.TANDEM_V1);
      assertThat(SandboxRunner.pages(16, open)).as("no maximum: the engine's 10,000,000 entries")
          .isEqualTo(16 + 2442);
    }
  }
}
