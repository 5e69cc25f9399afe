package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.core.json.Json;
import dev.tandem.sandbox.graalwasm.GraalWasmEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A tiered sandbox on GraalWasm answers a module's calls on Chicory (interpreted, then compiled) and samples them on
 * GraalWasm until GraalWasm runs them at least as fast, then moves calls to GraalWasm: before and after, outcomes,
 * responses and fuel are those of a GraalWasm sandbox that is not tiered. The samples are held back here until the
 * test lets them run, and the speed rule is widened (any sample counts), so the move does not depend on how hot
 * GraalWasm got; the rule itself is tested in the sandbox module.
 */
class HeatTierGraalWasmTest {
  private static final Limits LIMITS = Limits.builder().fuel(3_000_000).timeout(Duration.ofSeconds(120)).build();

  /** Runs what is handed to it only when told. */
  private static final class HeldBack implements Executor {
    private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable task) {
      held.add(task);
    }

    int release() {
      int n = 0;
      for (Runnable r; (r = held.poll()) != null; n++) {
        r.run();
      }
      return n;
    }
  }

  @Test
  void callsMoveFromChicoryToGraalWasmWithTheSameOutcomesAndFuel() throws Exception {
    assumeTrue(Files.isRegularFile(repo("services/search/search.wasm")), "services are not built (services/build.sh)");
    String[][] cases = {
        {"services/echo/echo.wasm", "echo", "{\"a\":[1,2,\"x\"]}"},
        {"services/search/search.wasm", "query", "{\"limit\":2,\"q\":\"sqlite database\"}"},
        {"services/matrix/matrix.wasm", "power", "{\"a\":[[1,1],[1,0]],\"k\":10}"},
        {"services/hostile/loop.wasm", "run", "null"},
        {"services/hostile/recursion.wasm", "run", "null"},
        {"services/hostile/oob.wasm", "run", "null"},
    };
    HeldBack samples = new HeldBack();
    try (Sandbox tiered = Sandbox.builder().threads(2).engine(GraalWasmEngine.NAME).tiered(true).warmUp(samples)
        .heatThreshold(Double.POSITIVE_INFINITY).build();
         Sandbox graal = Sandbox.builder().threads(2).engine(GraalWasmEngine.NAME).build()) {
      for (String[] c : cases) {
        byte[] wasm = Files.readAllBytes(repo(c[0]));
        byte[] request = request(c[1], c[2]);
        ServiceModule t = tiered.load(c[0], wasm, Abi.TANDEM_V1);
        ServiceModule reference = graal.load(c[0], wasm, Abi.TANDEM_V1);
        String expected = fingerprint(graal.call(reference, request, LIMITS));
        awaitCompiled(t);
        for (int i = 0; i < HeatTier.STREAK; i++) {
          assertThat(t.tier()).as(c[0] + " before the move").isEqualTo("compiled");
          assertThat(fingerprint(tiered.call(t, request, LIMITS))).as(c[0] + " on Chicory").isEqualTo(expected);
          assertThat(samples.release()).as("one sample per call").isEqualTo(1);
        }
        t.settled().toCompletableFuture().get(120, TimeUnit.SECONDS);
        assertThat(t.tier()).as(c[0] + " after the move").isEqualTo(reference.tier()).isEqualTo("engine");
        assertThat(fingerprint(tiered.call(t, request, LIMITS))).as(c[0] + " on GraalWasm").isEqualTo(expected);
        assertThat(samples.release()).as("no samples once moved").isZero();
      }
    }
  }

  @Test
  void aTieredGraalWasmSandboxSamplesOnItsOwnThread() throws Exception {
    assumeTrue(Files.isRegularFile(repo("services/echo/echo.wasm")), "services are not built (services/build.sh)");
    try (Sandbox tiered = Sandbox.builder().threads(1).engine(GraalWasmEngine.NAME).tiered(true)
        .heatThreshold(Double.POSITIVE_INFINITY).build()) {
      ServiceModule m = tiered.load("echo", Files.readAllBytes(repo("services/echo/echo.wasm")), Abi.TANDEM_V1);
      byte[] request = request("echo", "{\"n\":1}");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!m.settled().toCompletableFuture().isDone() && System.nanoTime() < deadline) {
        assertThat(tiered.call(m, request, LIMITS)).isInstanceOf(Outcome.Result.class);
        Thread.sleep(5);
      }
      assertThat(m.tier()).isEqualTo("engine");
    }
  }

  private static void awaitCompiled(ServiceModule m) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!"compiled".equals(m.tier()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private static String fingerprint(Outcome o) {
    String response = o instanceof Outcome.Deterministic d
        ? new String(d.responseJson(), StandardCharsets.UTF_8) : "-";
    return o.label() + " " + response + " fuel=" + o.fuel();
  }

  private static byte[] request(String method, String paramsJson) throws Exception {
    var call = Json.object();
    call.put("method", method);
    call.set("params", Json.parse(paramsJson));
    return dev.tandem.core.json.Jcs.canonicalize(call);
  }

  private static Path repo(String relative) {
    return Path.of("..").toAbsolutePath().normalize().resolve(relative);
  }
}
