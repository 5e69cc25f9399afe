package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.fixture;
import static dev.tandem.sandbox.TestSupport.read;
import static dev.tandem.sandbox.TestSupport.repoFile;
import static dev.tandem.sandbox.TestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A tiered sandbox answers a module's first calls with the interpreter while it compiles it, then switches: both
 * tiers give the same outcome, response bytes and fuel as a sandbox that compiles before loading, on the example
 * services, every trap and the hostile modules. The background compilation is held back here until the test lets it
 * run, so the first calls are sure to be interpreted.
 */
class TieredTest {
  private static final Limits LIMITS = Limits.builder().fuel(20_000_000).memoryPages(64)
      .timeout(Duration.ofSeconds(60)).build();

  /** Runs the tasks handed to it (compilations, samples) only when told. */
  static final class HeldBack implements Executor {
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

  /** A module under test and the requests it gets. */
  private record Case(String name, byte[] wasm, Abi abi, List<byte[]> requests) {}

  private static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    List<byte[]> traps = new ArrayList<>();
    for (String m : List.of("hello", "error", "unreachable", "oob", "divzero", "vdiv", "conversion", "indirect", "grow", "recurse",
        "loop", "fake", "junk", "badptr", "xlarge")) {
      traps.add(request(m, "null"));
    }
    cases.add(new Case("traps", fixture("traps.wasm"), Abi.TANDEM_V1, traps));
    service(cases, "echo/echo.wasm", Abi.TANDEM_V1, request("echo", "{\"a\":[1,2,\"x\"]}"), request("nope", "null"));
    service(cases, "matrix/matrix.wasm", Abi.TANDEM_V1, request("power", "{\"a\":[[1,1],[1,0]],\"k\":10}"));
    service(cases, "whisper/whisper.wasm", Abi.TANDEM_V1, request("digest", "{\"data\":\"abc\"}"));
    service(cases, "search/search.wasm", Abi.TANDEM_V1, request("stats", "null"),
        request("query", "{\"q\":\"sqlite database\",\"limit\":3}"));
    service(cases, "wordcount/wordcount.wasm", Abi.WASI_COMMAND, request("count", "{\"text\":\"to be or not\\n\"}"));
    for (String[] h : HostileModulesTest.CASES) {
      HostileModulesTest.hostile(h[0]).ifPresent(w -> cases.add(new Case(h[0] + "." + h[1], w, Abi.TANDEM_V1,
          List.of(request(h[1], "null")))));
    }
    return cases;
  }

  private static void service(List<Case> cases, String path, Abi abi, byte[]... requests) {
    repoFile("services/" + path).ifPresent(p -> cases.add(new Case(path, read(p), abi, List.of(requests))));
  }

  @Test
  void bothTiersGiveTheOutcomesAndFuelOfACompiledSandbox() throws Exception {
    assumeTrue(repoFile("services/search/search.wasm").isPresent(), "services/ are not built (services/build.sh)");
    HeldBack compiler = new HeldBack();
    try (Sandbox tiered = Sandbox.builder().threads(2).engine(ChicoryEngine.tiered(compiler)).build();
         Sandbox compiled = Sandbox.builder().threads(2).build()) {
      for (Case c : cases()) {
        ServiceModule t = tiered.load(c.name(), c.wasm(), c.abi());
        ServiceModule reference = compiled.load(c.name(), c.wasm(), c.abi());
        assertThat(reference.tier()).isEqualTo("compiled");
        assertThat(t.tier()).as(c.name() + " before its compilation ran").isEqualTo("interpreter");
        assertThat(t.settled().toCompletableFuture().isDone()).isFalse();
        List<String> interpreted = fingerprints(tiered, t, c.requests());
        assertThat(compiler.release()).isEqualTo(1);
        t.settled().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(t.tier()).as(c.name() + " once compiled").isEqualTo("compiled");
        List<String> expected = fingerprints(compiled, reference, c.requests());
        assertThat(interpreted).as(c.name() + " on the interpreter tier").isEqualTo(expected);
        assertThat(fingerprints(tiered, t, c.requests())).as(c.name() + " on the compiled tier").isEqualTo(expected);
        assertThat(tiered.load(c.name(), c.wasm(), c.abi()).tier()).as("cached, compiled").isEqualTo("compiled");
      }
    }
  }

  @Test
  void aLongCallStartedOnTheInterpreterStartsAgainOnceCompiledWithTheSameOutcomeAndFuel() throws Exception {
    var hash = repoFile("services/bench/hash.wasm");
    assumeTrue(hash.isPresent(), "services/bench/hash.wasm is missing");
    // A br_if loop of 10^9 rounds: about 2 s compiled, minutes on the interpreter (beyond the deadline).
    Limits lots = Limits.builder().fuel(100_000_000_000L).timeout(Duration.ofSeconds(120)).build();
    byte[] spin = request("run", "{\"n\":1000000000}");
    HeldBack compiler = new HeldBack();
    try (Sandbox tiered = Sandbox.builder().threads(2).engine(ChicoryEngine.tiered(compiler)).build();
         Sandbox compiled = Sandbox.builder().threads(2).build()) {
      ServiceModule t = tiered.load("hash", read(hash.get()), Abi.TANDEM_V1);
      String expected = TrapsTest.fingerprint(compiled.call(compiled.load("hash", read(hash.get()), Abi.TANDEM_V1),
          spin, lots));
      assertThat(t.tier()).isEqualTo("interpreter");
      var call = java.util.concurrent.CompletableFuture.supplyAsync(() -> tiered.call(t, spin, lots));
      awaitRunning(tiered);
      assertThat(compiler.release()).isEqualTo(1);
      assertThat(TrapsTest.fingerprint(call.get(150, TimeUnit.SECONDS))).isEqualTo(expected);
      assertThat(tiered.restartedCalls()).as("started again, compiled").isEqualTo(1);
      assertThat(TrapsTest.fingerprint(tiered.call(t, spin, lots))).isEqualTo(expected);
      assertThat(tiered.restartedCalls()).as("a call that starts compiled runs once").isEqualTo(1);
    }
  }

  @Test
  void theDeadlineStopsABrIfLoopOnTheInterpreter() throws Exception {
    var hash = repoFile("services/bench/hash.wasm");
    assumeTrue(hash.isPresent(), "services/bench/hash.wasm is missing");
    // Chicory's interpreter sees thread interrupts only at br and calls: the meter has to stop this loop.
    Limits lots = Limits.builder().fuel(100_000_000_000L).timeout(Duration.ofMillis(500)).build();
    HeldBack compiler = new HeldBack(); // never released: the module stays interpreted
    try (Sandbox tiered = Sandbox.builder().threads(1).engine(ChicoryEngine.tiered(compiler)).build()) {
      ServiceModule t = tiered.load("hash", read(hash.get()), Abi.TANDEM_V1);
      Outcome o = tiered.call(t, request("run", "{\"n\":2000000000}"), lots);
      assertThat(o).isInstanceOf(Outcome.NonDeterministic.class);
      assertThat(((Outcome.NonDeterministic) o).reason()).isEqualTo(Outcome.NonDeterministic.Reason.TIMEOUT);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (tiered.runningCalls() > 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(tiered.runningCalls()).as("the loop stopped, not just its caller").isZero();
    }
  }

  private static void awaitRunning(Sandbox sandbox) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (sandbox.runningCalls() == 0 && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    Thread.sleep(100); // past its instantiation: it runs on the interpreter
  }

  @Test
  void aTieredSandboxCompilesOnItsOwnThreadAndSwitches() throws Exception {
    assumeTrue(repoFile("services/search/search.wasm").isPresent(), "services/ are not built (services/build.sh)");
    byte[] wasm = read(repoFile("services/search/search.wasm").get());
    try (Sandbox tiered = Sandbox.builder().threads(1).tiered(true).build()) {
      ServiceModule m = tiered.load("search", wasm, Abi.TANDEM_V1);
      Outcome first = tiered.call(m, request("stats", "null"), LIMITS);
      m.settled().toCompletableFuture().get(120, TimeUnit.SECONDS);
      assertThat(m.tier()).isEqualTo("compiled");
      assertThat(TrapsTest.fingerprint(tiered.call(m, request("stats", "null"), LIMITS)))
          .isEqualTo(TrapsTest.fingerprint(first));
      assertThat(m.loadTimes().totalNanos()).isPositive();
    }
  }

  private static List<String> fingerprints(Sandbox sandbox, ServiceModule m, List<byte[]> requests) {
    List<String> out = new ArrayList<>();
    for (byte[] r : requests) {
      Outcome o = sandbox.call(m, r, LIMITS);
      assertThat(o.deterministic()).as(o.toString()).isTrue();
      out.add(TrapsTest.fingerprint(o));
    }
    return out;
  }
}
