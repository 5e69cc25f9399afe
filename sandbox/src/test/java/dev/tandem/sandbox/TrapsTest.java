package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.fixture;
import static dev.tandem.sandbox.TestSupport.request;
import static dev.tandem.sandbox.TestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.sandbox.engine.TrapKind;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way a call can end, on a module built to misbehave on request, in compiled and interpreted mode. */
class TrapsTest {
  private static Sandbox compiled;
  private static Sandbox interpreted;
  private static ServiceModule traps;
  private static ServiceModule trapsInterpreted;

  @BeforeAll
  static void load() throws Exception {
    compiled = Sandbox.builder().threads(2).build();
    interpreted = Sandbox.builder().threads(2).compiled(false).build();
    traps = compiled.load("traps", fixture("traps.wasm"), Abi.TANDEM_V1);
    trapsInterpreted = interpreted.load("traps", fixture("traps.wasm"), Abi.TANDEM_V1);
  }

  @AfterAll
  static void close() {
    compiled.close();
    interpreted.close();
  }

  /** A generous deadline: these outcomes must come from the limits under test, never from a slow machine. */
  private static final Limits LIMITS = Limits.builder().fuel(5_000_000).memoryPages(64)
      .timeout(Duration.ofSeconds(60)).build();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "unreachable, UNREACHABLE",
      "oob, OUT_OF_BOUNDS",
      "divzero, DIVISION_BY_ZERO",
      "vdiv, INTEGER_OVERFLOW",
      "conversion, INVALID_CONVERSION",
      "indirect, INDIRECT_CALL",
      "grow, MEMORY_LIMIT",
      "recurse, CALL_DEPTH",
      "loop, OUT_OF_FUEL",
      "fake, INVALID_OUTPUT",
      "junk, INVALID_OUTPUT",
      "badptr, INVALID_OUTPUT",
      "xlarge, OUTPUT_TOO_LARGE",
  })
  void trapsAreDeterministicAndIdenticalInBothModes(String method, TrapKind kind) {
    byte[] req = request(method, "null");
    Outcome first = compiled.call(traps, req, LIMITS);
    assertThat(first).isInstanceOfSatisfying(Outcome.Trap.class, t -> assertThat(t.kind()).isEqualTo(kind));
    Outcome.Trap trap = (Outcome.Trap) first;
    assertThat(trap.deterministic()).isTrue();
    assertThat(text(trap.responseJson())).isEqualTo(
        "{\"error\":{\"code\":" + kind.code() + ",\"message\":\"" + kind.message() + "\"}}");
    assertThat(trap.fuel()).isPositive().isLessThanOrEqualTo(LIMITS.fuel());
    for (int i = 0; i < 3; i++) {
      assertThat(fingerprint(compiled.call(traps, req, LIMITS))).isEqualTo(fingerprint(first));
      assertThat(fingerprint(interpreted.call(trapsInterpreted, req, LIMITS))).as("interpreted")
          .isEqualTo(fingerprint(first));
    }
  }

  /** What must be the same on every node: the label, the response bytes and the fuel (not the engine's detail). */
  static String fingerprint(Outcome o) {
    String response = o instanceof Outcome.Deterministic d ? text(d.responseJson()) : "-";
    return o.label() + " " + response + " fuel=" + o.fuel();
  }

  @Test
  void outOfFuelUsesTheWholeBudget() {
    Outcome o = compiled.call(traps, request("loop", "null"), LIMITS);
    assertThat(o.fuel()).isEqualTo(LIMITS.fuel());
  }

  @Test
  void resultIsCanonicalAndFuelIsExact() {
    Outcome o = compiled.call(traps, request("spin", "null"), LIMITS);
    assertThat(o).isInstanceOf(Outcome.Result.class);
    Outcome.Result r = (Outcome.Result) o;
    assertThat(r.resultText()).isEqualTo("\"spun\"");
    assertThat(text(r.responseJson())).isEqualTo("{\"result\":\"spun\"}");
    Outcome again = interpreted.call(trapsInterpreted, request("spin", "null"), LIMITS);
    assertThat(again).isEqualTo(o);
    Outcome ok = compiled.call(traps, request("hello", "null"), LIMITS);
    assertThat(r.fuel()).isGreaterThan(ok.fuel() + 10_000); // the spin loop is charged
  }

  @Test
  void serviceErrorIsCanonicalized() {
    Outcome o = compiled.call(traps, request("error", "null"), LIMITS);
    assertThat(o).isInstanceOf(Outcome.ServiceError.class);
    Outcome.ServiceError e = (Outcome.ServiceError) o;
    assertThat(e.code()).isEqualTo(7);
    assertThat(e.message()).isEqualTo("nope");
    assertThat(text(e.responseJson()))
        .isEqualTo("{\"error\":{\"code\":7,\"data\":{\"a\":[1,2,\"é\"],\"b\":1},\"message\":\"nope\"}}");
  }

  @Test
  void tooSmallAFuelBudgetRunsOutDeterministically() {
    Limits tiny = LIMITS.withFuel(50);
    Outcome o = compiled.call(traps, request("spin", "null"), tiny);
    assertThat(o).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.OUT_OF_FUEL));
    assertThat(o.fuel()).isEqualTo(50);
  }

  @Test
  void requestLargerThanTheLimitIsNotRun() {
    Limits small = LIMITS.toBuilder().maxRequestBytes(16).build();
    Outcome o = compiled.call(traps, request("hello", "\"a long parameter\""), small);
    assertThat(o).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.REQUEST_TOO_LARGE));
    assertThat(o.fuel()).isZero();
  }

  @Test
  void memoryLimitBelowTheInitialMemoryTraps() {
    // traps.wat declares 1 page; a request that needs a second page with a one-page limit hits the limit.
    Limits onePage = LIMITS.withMemoryPages(1);
    Outcome o = compiled.call(traps, request("hello", "\"" + "x".repeat(70_000) + "\""), onePage);
    assertThat(o).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.MEMORY_LIMIT));
  }

  @Test
  void callDepthLimitIsConfigurable() {
    Outcome shallow = compiled.call(traps, request("recurse", "null"), LIMITS.withMaxCallDepth(10));
    Outcome deep = compiled.call(traps, request("recurse", "null"), LIMITS.withMaxCallDepth(5000));
    assertThat(shallow).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.CALL_DEPTH));
    assertThat(deep).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.CALL_DEPTH));
    assertThat(deep.fuel()).isGreaterThan(shallow.fuel());
  }

  @Test
  void deepestAllowedRecursionTrapsOnTheDepthLimitNotTheJvmStack() {
    Limits deepest = LIMITS.toBuilder().maxCallDepth(Limits.MAX_CALL_DEPTH).fuel(100_000_000).build();
    Outcome c = compiled.call(traps, request("recurse", "null"), deepest);
    Outcome i = interpreted.call(trapsInterpreted, request("recurse", "null"), deepest);
    assertThat(c).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.CALL_DEPTH));
    assertThat(fingerprint(i)).isEqualTo(fingerprint(c));
  }

  @Test
  void wallClockTimeoutIsNonDeterministic() {
    Limits slow = LIMITS.toBuilder().fuel(Long.MAX_VALUE / 2).timeout(Duration.ofMillis(200)).build();
    long start = System.nanoTime();
    Outcome o = compiled.call(traps, request("loop", "null"), slow);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(o).isInstanceOfSatisfying(Outcome.NonDeterministic.class,
        n -> assertThat(n.reason()).isEqualTo(Outcome.NonDeterministic.Reason.TIMEOUT));
    assertThat(o.deterministic()).isFalse();
    assertThat(o.fuel()).isPositive();
    assertThat(millis).isLessThan(5_000); // 200 ms, plus however slow a loaded machine is
    // the worker is free again: the next call runs normally
    assertThat(compiled.call(traps, request("hello", "null"), LIMITS)).isInstanceOf(Outcome.Result.class);
  }

  /**
   * A node's request threads run calls themselves ({@link Sandbox#newCallThread}): the deepest recursion still traps
   * on the depth limit, the deadline still stops a loop (and leaves no interrupt on the thread), and outcomes are the
   * workers' own.
   */
  @Test
  void callsRunOnTheCallersOwnThreadKeepDepthDeadlineAndOutcomes() throws Exception {
    Limits deepest = LIMITS.toBuilder().maxCallDepth(Limits.MAX_CALL_DEPTH).fuel(100_000_000).build();
    Limits slow = LIMITS.toBuilder().fuel(Long.MAX_VALUE / 2).timeout(Duration.ofMillis(200)).build();
    Outcome[] here = new Outcome[4];
    boolean[] interruptedAfter = new boolean[1];
    String[] thread = new String[1];
    Thread t = Sandbox.newCallThread(() -> {
      here[0] = compiled.call(traps, request("recurse", "null"), deepest);
      here[1] = compiled.call(traps, request("loop", "null"), slow);
      interruptedAfter[0] = Thread.currentThread().isInterrupted();
      here[2] = compiled.call(traps, request("hello", "null"), LIMITS);
      here[3] = interpreted.call(trapsInterpreted, request("recurse", "null"), deepest);
      thread[0] = Thread.currentThread().getName();
    }, "a-request-thread");
    t.start();
    t.join(60_000);
    assertThat(thread[0]).isEqualTo("a-request-thread");
    assertThat(fingerprint(here[0])).isEqualTo(fingerprint(compiled.call(traps, request("recurse", "null"), deepest)));
    assertThat(here[0]).isInstanceOfSatisfying(Outcome.Trap.class,
        o -> assertThat(o.kind()).isEqualTo(TrapKind.CALL_DEPTH));
    assertThat(fingerprint(here[3])).isEqualTo(fingerprint(here[0]));
    assertThat(here[1]).isInstanceOfSatisfying(Outcome.NonDeterministic.class,
        n -> assertThat(n.reason()).isEqualTo(Outcome.NonDeterministic.Reason.TIMEOUT));
    assertThat(interruptedAfter[0]).as("the deadline's interrupt is cleared").isFalse();
    assertThat(fingerprint(here[2])).isEqualTo(fingerprint(compiled.call(traps, request("hello", "null"), LIMITS)));
  }

  /**
   * Calls on callers' own threads count against the sandbox's thread bound like the workers' calls: with one thread,
   * a loop running on a request thread keeps a second call (from any thread) waiting until its own deadline.
   */
  @Test
  void callsOnCallersThreadsShareTheThreadBoundWithTheWorkers() throws Exception {
    try (Sandbox one = Sandbox.builder().threads(1).build()) {
      ServiceModule module = one.load("traps", fixture("traps.wasm"), Abi.TANDEM_V1);
      Limits long_ = LIMITS.toBuilder().fuel(Long.MAX_VALUE / 2).timeout(Duration.ofMillis(1500)).build();
      Limits short_ = LIMITS.toBuilder().fuel(Long.MAX_VALUE / 2).timeout(Duration.ofMillis(300)).build();
      Outcome[] first = new Outcome[1];
      Thread t = Sandbox.newCallThread(() -> first[0] = one.call(module, request("loop", "null"), long_), "request");
      t.start();
      Thread.sleep(200); // the loop holds the one thread
      Outcome second = one.call(module, request("loop", "null"), short_);
      assertThat(second).isInstanceOfSatisfying(Outcome.NonDeterministic.class, n -> {
        assertThat(n.reason()).isEqualTo(Outcome.NonDeterministic.Reason.TIMEOUT);
        assertThat(n.fuel()).as("it never ran").isZero();
      });
      t.join(10_000);
      assertThat(first[0]).isInstanceOfSatisfying(Outcome.NonDeterministic.class,
          n -> assertThat(n.reason()).isEqualTo(Outcome.NonDeterministic.Reason.TIMEOUT));
      assertThat(first[0].fuel()).isPositive();
    }
  }
}
