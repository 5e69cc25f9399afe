package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.read;
import static dev.tandem.sandbox.TestSupport.repoFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rule that moves a module's calls from Chicory to another engine ({@link HeatTier}): only after samples in a row
 * that the other engine answered the same and at least as fast; never when the engines disagree; not at all when the
 * other engine stays slower. Both tiers here are Chicory modules of echo (the rule only looks at outcomes and times);
 * the samples' outcomes and times are given to it. The sandbox-graalwasm tests run it with GraalWasm.
 */
class HeatTierTest {
  private static final Outcome PONG = new Outcome.Result("\"pong\"".getBytes(StandardCharsets.UTF_8), 1_000, "");

  private EngineModule compiled;
  private EngineModule other;
  private final TieredTest.HeldBack samples = new TieredTest.HeldBack();
  private final java.util.List<EngineDivergence> found = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final byte[] REQUEST = "{\"method\":\"echo\",\"params\":\"pong\"}".getBytes(StandardCharsets.UTF_8);

  @BeforeEach
  void prepare() throws Exception {
    var echo = repoFile("services/echo/echo.wasm");
    assumeTrue(echo.isPresent(), "services are not built (services/build.sh)");
    byte[] metered = Sandbox.metered(read(echo.get()));
    WasmModule module = Parser.builder().withValidation(true).build().parse(() -> new ByteArrayInputStream(metered));
    MemoryLimits memory = module.memorySection().map(s -> s.getMemory(0).limits()).orElseThrow();
    PreparedModule prepared = new PreparedModule(metered, module, memory);
    compiled = new ChicoryEngine(true).prepare(prepared);
    other = new ChicoryEngine(false).prepare(prepared);
  }

  private HeatTier heat() {
    return new HeatTier("echo", compiled, other, "other", samples, 1.0, found::add);
  }

  /** Samples one call that took {@code chicoryNanos} on Chicory and {@code otherNanos} on the other engine. */
  private static void sample(HeatTier heat, Outcome onChicory, long chicoryNanos, Outcome onOther, long otherNanos,
                             TieredTest.HeldBack samples) {
    assertThat(heat.wantsSample()).isTrue();
    assertThat(heat.wantsSample()).as("one sample at a time").isFalse();
    heat.sample(new HeatTier.Timed(onChicory, chicoryNanos), () -> new HeatTier.Timed(onOther, otherNanos),
        REQUEST);
    assertThat(samples.release()).isEqualTo(1);
  }

  @Test
  void callsMoveOnlyAfterSamplesInARowAtLeastAsFast() {
    HeatTier heat = heat();
    assertThat(heat.tier()).isEqualTo("compiled");
    sample(heat, PONG, 1_000, PONG, 900, samples);
    sample(heat, PONG, 1_000, PONG, 1_000, samples);
    sample(heat, PONG, 1_000, PONG, 1_001, samples); // slower: the streak starts again
    for (int i = 1; i < HeatTier.STREAK; i++) {
      sample(heat, PONG, 1_000, PONG, 500, samples);
      assertThat(heat.tier()).as("after " + i + " in a row").isEqualTo("compiled");
    }
    assertThat(heat.settled().toCompletableFuture()).isNotDone();
    sample(heat, PONG, 1_000, PONG, 500, samples);
    assertThat(heat.tier()).isEqualTo("interpreter"); // the other engine's tier: here Chicory's interpreter
    assertThat(heat.settled().toCompletableFuture()).isDone();
    assertThat(heat.wantsSample()).as("no samples once moved").isFalse();
  }

  @Test
  void enginesThatDisagreeKeepTheModuleOnChicoryForGood() {
    HeatTier heat = heat();
    Outcome otherFuel = new Outcome.Result("\"pong\"".getBytes(StandardCharsets.UTF_8), 1_001, "");
    sample(heat, PONG, 1_000, PONG, 10, samples);
    assertThat(found).isEmpty();
    sample(heat, PONG, 1_000, otherFuel, 10, samples);
    assertThat(found).hasSize(1);
    assertThat(found.get(0).moduleCid()).isEqualTo("echo");
    assertThat(found.get(0).engine()).isEqualTo("other");
    assertThat(found.get(0).requestHash()).isEqualTo(dev.tandem.core.crypto.Hashes.sha256Hex(REQUEST));
    assertThat(found.get(0).description()).contains("fuel=1000", "fuel=1001");
    assertThat(heat.settled().toCompletableFuture()).isDone();
    assertThat(heat.tier()).isEqualTo("compiled");
    assertThat(heat.wantsSample()).isFalse();
  }

  @Test
  void timeoutsSayNothingAndASlowerEngineIsGivenUpOn() {
    HeatTier heat = heat();
    Outcome timeout = new Outcome.NonDeterministic(Outcome.NonDeterministic.Reason.TIMEOUT, "deadline", 5, "");
    sample(heat, PONG, 1_000, PONG, 10, samples);
    sample(heat, PONG, 1_000, timeout, 10, samples); // neither breaks nor extends the streak
    sample(heat, PONG, 1_000, PONG, 10, samples);
    assertThat(heat.tier()).isEqualTo("compiled");
    sample(heat, PONG, 1_000, PONG, 10, samples);
    assertThat(heat.tier()).isEqualTo("interpreter");

    HeatTier slow = heat();
    for (int i = 0; i < HeatTier.MAX_SAMPLES - 1; i++) {
      sample(slow, PONG, 1_000, PONG, 2_000, samples);
    }
    assertThat(slow.settled().toCompletableFuture()).isNotDone();
    sample(slow, PONG, 1_000, PONG, 2_000, samples);
    assertThat(slow.settled().toCompletableFuture()).isDone();
    assertThat(slow.tier()).isEqualTo("compiled");
    assertThat(slow.samplesTaken()).isEqualTo(HeatTier.MAX_SAMPLES);
  }

  @Test
  void noSamplesWhileChicoryStillInterprets() {
    HeatTier heat = new HeatTier("echo", other, compiled, "other", samples, 1.0, found::add);
    assertThat(heat.tier()).isEqualTo("interpreter");
    assertThat(heat.wantsSample()).isFalse();
  }
}
