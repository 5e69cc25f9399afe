package dev.tandem.sandbox.graalwasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A GraalWasm call past its deadline is stopped, not left running until its fuel runs out: guest code there does not
 * see thread interrupts, so the sandbox cancels the call's context. With one worker, the call after a timed-out one
 * only gets to run if the worker was freed.
 */
class GraalTimeoutTest {
  @Test
  void aCallPastItsDeadlineIsStoppedAndFreesItsWorker() throws Exception {
    assumeTrue(Files.isRegularFile(CrossEngineTest.repo("services/hostile/loop.wasm")),
        "services are not built (services/build.sh)");
    try (Sandbox graal = Sandbox.builder().threads(1).engine(GraalWasmEngine.NAME).build()) {
      ServiceModule loop = graal.load("loop", CrossEngineTest.read(CrossEngineTest.repo("services/hostile/loop.wasm")),
          Abi.TANDEM_V1);
      ServiceModule echo = graal.load("echo", CrossEngineTest.read(CrossEngineTest.repo("services/echo/echo.wasm")),
          Abi.TANDEM_V1);
      // Fuel for hours of looping: only the deadline can end this call.
      Outcome stuck = graal.call(loop, CrossEngineTest.request("run", "null"),
          Limits.builder().fuel(Long.MAX_VALUE / 4).timeout(Duration.ofSeconds(2)).build());
      assertThat(stuck).isInstanceOf(Outcome.NonDeterministic.class);
      assertThat(((Outcome.NonDeterministic) stuck).reason()).isEqualTo(Outcome.NonDeterministic.Reason.TIMEOUT);
      Outcome next = graal.call(echo, CrossEngineTest.request("echo", "{\"a\":1}"),
          Limits.builder().fuel(3_000_000).timeout(Duration.ofSeconds(60)).build());
      assertThat(next.label()).as(next.toString()).isEqualTo("result");
    }
  }
}
