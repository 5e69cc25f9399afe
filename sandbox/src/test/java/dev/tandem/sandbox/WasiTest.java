package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.fixture;
import static dev.tandem.sandbox.TestSupport.request;
import static dev.tandem.sandbox.TestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.sandbox.engine.TrapKind;
import java.time.Duration;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The WASI host is deterministic: what a module can observe depends only on the request. */
class WasiTest {
  private static Sandbox sandbox;
  private static Sandbox interpreter;
  private static ServiceModule probe;
  private static final Limits LIMITS = Limits.builder().fuel(50_000_000).maxStderrBytes(1000)
      .timeout(Duration.ofSeconds(60)).build();

  @BeforeAll
  static void load() throws Exception {
    sandbox = Sandbox.builder().threads(2).build();
    interpreter = Sandbox.builder().threads(1).compiled(false).build();
    probe = sandbox.load("wasi-probe", fixture("wasi-probe.wasm"), Abi.WASI_COMMAND).withName("probe-service");
  }

  @AfterAll
  static void close() {
    sandbox.close();
    interpreter.close();
  }

  @Test
  void hostStateIsInvisible() throws Exception {
    byte[] req = request("probe", "{\"q\":1}");
    Outcome o = sandbox.call(probe, req, LIMITS);
    assertThat(o).isInstanceOf(Outcome.Result.class);
    JsonNode r = Json.parse(((Outcome.Result) o).resultJson());
    assertThat(r.get("argc").asInt()).isEqualTo(1);
    assertThat(r.get("argv0").asText()).isEqualTo("probe-service");
    assertThat(r.get("envc").asInt()).isZero();
    assertThat(r.get("open").asInt()).as("no files").isEqualTo(-1);
    assertThat(r.get("openDot").asInt()).as("no preopened directories").isEqualTo(-1);
    assertThat(r.get("realtime").asLong()).isZero();
    assertThat(r.get("monotonic").asLong()).isZero();
    assertThat(r.get("time").asLong()).isZero();
    assertThat(r.get("slept").asInt()).as("sleeping succeeds at once").isZero();
    assertThat(r.get("afterSleep").asLong()).as("time does not pass").isZero();
    assertThat(r.get("len").asInt()).isEqualTo(req.length);
    assertThat(r.get("random").asText()).isEqualTo(HexFormat.of().formatHex(expectedRandom(req, 40)));
  }

  @Test
  void sameRequestSameBytesDifferentRequestDifferentRandom() throws Exception {
    Set<String> randoms = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      byte[] req = request("probe", "{\"q\":" + i + "}");
      Outcome a = sandbox.call(probe, req, LIMITS);
      Outcome b = sandbox.call(probe, req, LIMITS);
      ServiceModule interpreted =
          interpreter.load("wasi-probe", fixture("wasi-probe.wasm"), Abi.WASI_COMMAND).withName("probe-service");
      Outcome c = interpreter.call(interpreted, req, LIMITS);
      assertThat(a).isEqualTo(b);
      assertThat(TrapsTest.fingerprint(c)).isEqualTo(TrapsTest.fingerprint(a));
      randoms.add(Json.parse(((Outcome.Result) a).resultJson()).get("random").asText());
    }
    assertThat(randoms).hasSize(5);
  }

  @Test
  void nonZeroExitIsATrapWhateverWasPrinted() {
    Outcome o = sandbox.call(probe, request("exit", "null"), LIMITS);
    assertThat(o).isInstanceOfSatisfying(Outcome.Trap.class, t -> {
      assertThat(t.kind()).isEqualTo(TrapKind.EXIT_CODE);
      assertThat(t.detail()).isEqualTo("exit code 3");
    });
    assertThat(o.fuel()).isPositive().isLessThan(LIMITS.fuel());
  }

  @Test
  void stdoutBeyondTheResponseLimitTraps() {
    Outcome o = sandbox.call(probe, request("spam", "null"), LIMITS);
    assertThat(o).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.OUTPUT_TOO_LARGE));
    assertThat(sandbox.call(probe, request("spam", "null"), LIMITS)).isEqualTo(o);
  }

  @Test
  void stderrIsKeptBoundedAndIsNotPartOfTheResponse() {
    // stderr is unbuffered: a million one-byte writes, each a host call
    Outcome o = sandbox.call(probe, request("chatty", "null"), LIMITS.withFuel(1_000_000_000));
    assertThat(o).isInstanceOf(Outcome.Result.class);
    assertThat(text(((Outcome.Result) o).responseJson())).isEqualTo("{\"result\":\"said a lot\"}");
    assertThat(o.stderr()).startsWith("eeee").contains("[truncated at 1000 bytes]");
    assertThat(o.stderr().length()).isLessThan(1100);
  }

  @Test
  void endlessLoopRunsOutOfFuel() {
    Outcome o = sandbox.call(probe, request("loop", "null"), LIMITS.withFuel(1_000_000));
    assertThat(o).isInstanceOfSatisfying(Outcome.Trap.class,
        t -> assertThat(t.kind()).isEqualTo(TrapKind.OUT_OF_FUEL));
    assertThat(o.fuel()).isEqualTo(1_000_000);
  }

  @Test
  void hostCallsAreChargedForTheBytesTheyMove() throws Exception {
    ServiceModule m = sandbox.load("host-fuel", fixture("wasi-host-fuel.wasm"), Abi.WASI_COMMAND);
    Outcome big = sandbox.call(m, request("bbb", "null"), LIMITS);
    Outcome small = sandbox.call(m, request("sss", "null"), LIMITS);
    assertThat(big).isInstanceOf(Outcome.Result.class);
    assertThat(small).isInstanceOf(Outcome.Result.class);
    // the same instructions; 64000 random bytes cost one fuel per 64
    assertThat(big.fuel() - small.fuel()).isEqualTo(64_000 / 64);
  }

  @Test
  void everyChicoryWasiFunctionIsAudited() {
    assertThat(new HashSet<>(DeterministicWasi.chicoryFunctionNames()))
        .as("a new WASI function must be judged deterministic or replaced in DeterministicWasi")
        .isEqualTo(DeterministicWasi.AUDITED);
    Set<String> overlap = new HashSet<>(DeterministicWasi.KEPT);
    overlap.retainAll(DeterministicWasi.REPLACED);
    assertThat(overlap).isEmpty();
  }

  @Test
  void randomStreamDoesNotDependOnReadSizes() {
    byte[] req = "{}".getBytes(StandardCharsets.UTF_8);
    DeterministicRandom one = new DeterministicRandom(req);
    byte[] whole = new byte[100];
    one.nextBytes(whole);
    DeterministicRandom two = new DeterministicRandom(req);
    ByteArrayOutputStream pieces = new ByteArrayOutputStream();
    for (int n : new int[] {1, 7, 32, 60}) {
      byte[] b = new byte[n];
      two.nextBytes(b);
      pieces.writeBytes(b);
    }
    assertThat(pieces.toByteArray()).isEqualTo(whole);
    assertThat(whole).isEqualTo(expectedRandom(req, 100));
  }

  /** The documented stream: SHA-256("tandem-wasi-random-v1" || SHA-256(request) || u64be(i)), i = 0, 1, … */
  static byte[] expectedRandom(byte[] request, int n) {
    try {
      byte[] seed = MessageDigest.getInstance("SHA-256").digest(request);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (long i = 0; out.size() < n; i++) {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update("tandem-wasi-random-v1".getBytes(StandardCharsets.US_ASCII));
        md.update(seed);
        md.update(java.nio.ByteBuffer.allocate(8).putLong(i).array());
        out.writeBytes(md.digest());
      }
      return java.util.Arrays.copyOf(out.toByteArray(), n);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
