package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.repoFile;
import static dev.tandem.sandbox.TestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hostile modules of services/hostile: each ends the same deterministic way on every run, in both modes, and
 * running them many times leaks neither memory nor threads.
 */
class HostileModulesTest {
  /** A generous deadline: these outcomes must come from the limits under test, never from a slow machine. */
  static final Limits LIMITS = Limits.builder().fuel(20_000_000).timeout(Duration.ofSeconds(60)).build();

  /** module, method → expected outcome label (what every node must answer). */
  static final List<String[]> CASES = List.of(
      new String[] {"loop", "run", "trap:out_of_fuel"},
      new String[] {"membomb", "run", "trap:out_of_fuel"},
      new String[] {"recursion", "run", "trap:call_depth"},
      new String[] {"nan", "run", "result"},
      new String[] {"bigoutput", "claim", "trap:output_too_large"},
      new String[] {"bigoutput", "fill", "trap:output_too_large"},
      new String[] {"divzero", "run", "trap:division_by_zero"},
      new String[] {"oob", "run", "trap:out_of_bounds"});

  private static Sandbox compiled;
  private static Sandbox interpreted;

  @BeforeAll
  static void open() {
    compiled = Sandbox.builder().threads(2).build();
    interpreted = Sandbox.builder().threads(2).compiled(false).build();
  }

  @AfterAll
  static void close() {
    compiled.close();
    interpreted.close();
  }

  static Optional<byte[]> hostile(String name) {
    return repoFile("services/hostile/" + name + ".wasm").map(TestSupport::read);
  }

  @Test
  void eachHostileModuleEndsTheSameDeterministicWayEveryTime() throws Exception {
    assumeTrue(hostile("loop").isPresent(), "services/hostile/*.wasm are not built (services/build.sh)");
    for (String[] c : CASES) {
      byte[] wasm = hostile(c[0]).orElseThrow();
      ServiceModule m = compiled.load(c[0], wasm, Abi.TANDEM_V1);
      ServiceModule mi = interpreted.load(c[0], wasm, Abi.TANDEM_V1);
      byte[] req = request(c[1], "null");
      Outcome first = compiled.call(m, req, LIMITS);
      assertThat(first.label()).as(c[0] + " " + c[1] + ": " + first).isEqualTo(c[2]);
      assertThat(first.deterministic()).isTrue();
      for (int i = 0; i < 3; i++) {
        assertThat(TrapsTest.fingerprint(compiled.call(m, req, LIMITS))).as(c[0]).isEqualTo(
            TrapsTest.fingerprint(first));
      }
      assertThat(TrapsTest.fingerprint(interpreted.call(mi, req, LIMITS))).as(c[0] + " interpreted")
          .isEqualTo(TrapsTest.fingerprint(first));
    }
  }

  @Test
  void nanBitsAreCanonical() throws Exception {
    assumeTrue(hostile("nan").isPresent(), "services/hostile/nan.wasm is not built");
    ServiceModule m = compiled.load("nan", hostile("nan").get(), Abi.TANDEM_V1);
    Outcome o = compiled.call(m, request("run", "null"), LIMITS);
    assertThat(o).isInstanceOf(Outcome.Result.class);
    assertThat(((Outcome.Result) o).resultText()).isEqualTo("{\"div\":\"7ff8000000000000\",\"min\":"
        + "\"7ff8000000000000\",\"payload\":\"7ff8000000000000\",\"sqrt\":\"7ff8000000000000\"}");
  }

  @Test
  void outOfFuelChargesTheBudget() throws Exception {
    assumeTrue(hostile("loop").isPresent(), "services/hostile/loop.wasm is not built");
    ServiceModule m = compiled.load("loop", hostile("loop").get(), Abi.TANDEM_V1);
    for (long fuel : new long[] {1_000, 1_000_000, 7_654_321}) {
      assertThat(compiled.call(m, request("run", "null"), LIMITS.withFuel(fuel)).fuel()).isEqualTo(fuel);
    }
  }

  @Test
  void bigOutputWithEnoughMemoryIsStillTooLarge() throws Exception {
    assumeTrue(hostile("bigoutput").isPresent(), "services/hostile/bigoutput.wasm is not built");
    ServiceModule m = compiled.load("bigoutput", hostile("bigoutput").get(), Abi.TANDEM_V1);
    Limits roomy = Limits.builder().fuel(1_000_000_000).memoryPages(2048).build();
    Outcome o = compiled.call(m, request("fill", "null"), roomy);
    assertThat(o.label()).isEqualTo("trap:output_too_large");
  }

  @Test
  void forbiddenImportIsRejectedBeforeItRuns() {
    assumeTrue(hostile("forbidden-import").isPresent(), "services/hostile/forbidden-import.wasm is not built");
    assertThatThrownBy(() -> compiled.load("fi", hostile("forbidden-import").get(), Abi.TANDEM_V1))
        .isInstanceOfSatisfying(ModuleRejectedException.class, e -> assertThat(e.reasons())
            .anySatisfy(r -> assertThat(r).contains("may not import anything").contains("env.clock")));
  }

  @Test
  void runningEveryHostileModuleManyTimesLeaksNeitherMemoryNorThreads() throws Exception {
    assumeTrue(hostile("loop").isPresent(), "services/hostile/*.wasm are not built (services/build.sh)");
    int threadsBefore = liveThreads();
    Limits quick = LIMITS.withFuel(1_000_000);
    Map<String, byte[]> modules = new LinkedHashMap<>();
    for (String[] c : CASES) {
      modules.put(c[0], hostile(c[0]).orElseThrow());
    }
    try (Sandbox sandbox = Sandbox.builder().threads(2).build()) {
      Map<String, ServiceModule> loaded = new LinkedHashMap<>();
      for (var e : modules.entrySet()) {
        loaded.put(e.getKey(), sandbox.load(e.getKey(), e.getValue(), Abi.TANDEM_V1));
      }
      runAll(sandbox, loaded, quick); // warm up: classes loaded, code compiled
      long heapBefore = usedHeapAfterGc();
      for (int round = 0; round < 100; round++) {
        runAll(sandbox, loaded, quick);
      }
      long heapAfter = usedHeapAfterGc();
      assertThat(heapAfter - heapBefore).as("heap growth over 100 rounds, bytes").isLessThan(32L << 20);
      assertThat(sandbox.liveWorkerThreads()).isLessThanOrEqualTo(2);
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (liveThreads() > threadsBefore && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(liveThreads()).as("threads after close").isLessThanOrEqualTo(threadsBefore);
  }

  private static void runAll(Sandbox sandbox, Map<String, ServiceModule> loaded, Limits limits) {
    for (String[] c : CASES) {
      Outcome o = sandbox.call(loaded.get(c[0]), request(c[1], "null"), limits);
      assertThat(o.deterministic()).as(c[0] + ": " + o).isTrue();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

}
