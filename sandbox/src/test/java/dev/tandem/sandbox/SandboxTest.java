package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.fixture;
import static dev.tandem.sandbox.TestSupport.request;
import static dev.tandem.sandbox.TestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The sandbox as a whole: cache, concurrency, overload, shutdown, limits and response decoding. */
class SandboxTest {

  @Test
  void cacheKeepsModulesUntilTheirBytesExceedTheBound() throws Exception {
    byte[] traps = fixture("traps.wasm");
    try (Sandbox sandbox = Sandbox.builder().threads(1).cacheMaxBytes(3_000).build()) {
      ServiceModule a = sandbox.load("a", traps, Abi.TANDEM_V1);
      assertThat(sandbox.load("a", traps, Abi.TANDEM_V1)).isNotSameAs(a); // a new handle ...
      assertThat(sandbox.cachedModules()).isEqualTo(1); // ... on the cached code
      long one = sandbox.cachedBytes();
      assertThat(one).isGreaterThan(traps.length); // metering adds code
      sandbox.load("b", traps, Abi.TANDEM_V1);
      sandbox.load("c", traps, Abi.TANDEM_V1);
      assertThat(sandbox.cachedBytes()).isLessThanOrEqualTo(3_000);
      assertThat(sandbox.cachedModules()).isEqualTo((int) (3_000 / one));
      // an evicted module's handle still works: it holds its own compiled code
      assertThat(sandbox.call(a, request("hello", "null"), Limits.defaults())).isInstanceOf(Outcome.Result.class);
    }
  }

  @Test
  void aCidNamesExactlyOneModule() throws Exception {
    try (Sandbox sandbox = Sandbox.builder().threads(1).build()) {
      sandbox.load("m", fixture("traps.wasm"), Abi.TANDEM_V1);
      assertThatThrownBy(() -> sandbox.load("m", fixture("imports-env.wasm"), Abi.TANDEM_V1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("CID m is already loaded with different bytes");
    }
  }

  @Test
  void concurrentCallsGiveIdenticalResults() throws Exception {
    try (Sandbox sandbox = Sandbox.builder().threads(2).build()) {
      ServiceModule m = sandbox.load("traps", fixture("traps.wasm"), Abi.TANDEM_V1);
      Limits patient = Limits.defaults().withTimeout(Duration.ofSeconds(60)); // queueing counts toward it
      String expected = TrapsTest.fingerprint(sandbox.call(m, request("spin", "1"), patient));
      ExecutorService callers = Executors.newFixedThreadPool(8);
      try {
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          results.add(callers.submit(() -> TrapsTest.fingerprint(sandbox.call(m, request("spin", "1"), patient))));
        }
        for (Future<String> f : results) {
          assertThat(f.get()).isEqualTo(expected);
        }
      } finally {
        callers.shutdown();
      }
    }
  }

  @Test
  void fullQueueAnswersOverloadedAtOnce() throws Exception {
    try (Sandbox sandbox = Sandbox.builder().threads(1).maxQueuedCalls(1).build()) {
      ServiceModule m = sandbox.load("traps", fixture("traps.wasm"), Abi.TANDEM_V1);
      Limits slow = Limits.builder().fuel(Long.MAX_VALUE / 2).timeout(Duration.ofSeconds(3)).build();
      ExecutorService callers = Executors.newFixedThreadPool(2);
      try {
        Future<Outcome> busy = callers.submit(() -> sandbox.call(m, request("loop", "null"), slow));
        Thread.sleep(300);
        Future<Outcome> queued = callers.submit(() -> sandbox.call(m, request("loop", "null"), slow));
        Thread.sleep(300);
        Outcome rejected = sandbox.call(m, request("hello", "null"), Limits.defaults());
        assertThat(rejected).isInstanceOfSatisfying(Outcome.NonDeterministic.class,
            n -> assertThat(n.reason()).isEqualTo(Outcome.NonDeterministic.Reason.OVERLOADED));
        assertThat(text(((Outcome.NonDeterministic) rejected).errorJson()))
            .isEqualTo("{\"error\":{\"code\":-32000,\"message\":\"overloaded\"}}");
        assertThat(busy.get().label()).isEqualTo("timeout");
        assertThat(queued.get().label()).isEqualTo("timeout");
      } finally {
        callers.shutdown();
      }
    }
  }

  @Test
  void closedSandboxSaysSo() throws Exception {
    Sandbox sandbox = Sandbox.builder().threads(1).build();
    ServiceModule m = sandbox.load("traps", fixture("traps.wasm"), Abi.TANDEM_V1);
    sandbox.close();
    assertThat(sandbox.call(m, request("hello", "null"), Limits.defaults()).label()).isEqualTo("shutdown");
  }

  @Test
  void limitsAreValidated() {
    assertThat(Limits.defaults()).isEqualTo(new Limits(1_000_000_000L, 256, 1 << 20, 1 << 20, 1000,
        Duration.ofSeconds(5), 64 << 10));
    assertThatThrownBy(() -> Limits.defaults().withFuel(0)).hasMessage("limit fuel = 0 is out of range >= 1");
    assertThatThrownBy(() -> Limits.defaults().withMemoryPages(40_000))
        .hasMessage("limit memoryPages = 40000 is out of range 1..32767");
    assertThatThrownBy(() -> Limits.defaults().withMaxCallDepth(0))
        .hasMessage("limit maxCallDepth = 0 is out of range 1..10000");
    assertThatThrownBy(() -> Limits.defaults().withTimeout(Duration.ZERO))
        .hasMessage("limit timeout = PT0S is out of range (0, PT10M]");
    Limits l = Limits.builder().fuel(5).maxResponseBytes(10).build();
    assertThat(l.fuel()).isEqualTo(5);
    assertThat(l.toBuilder().build()).isEqualTo(l);
  }

  @Test
  void responseDecoding() {
    assertThat(decode("{\"result\":{\"b\":[1.50,2e2],\"a\":\"\\u0041\"}}"))
        .isEqualTo("result {\"result\":{\"a\":\"A\",\"b\":[1.5,200]}}");
    assertThat(decode("{\"result\":null}")).isEqualTo("result {\"result\":null}");
    assertThat(decode(" {\"error\":{\"code\":-32602,\"message\":\"bad\"}} "))
        .isEqualTo("error {\"error\":{\"code\":-32602,\"message\":\"bad\"}}");
    assertThat(decode("{\"error\":{\"code\":5.0,\"message\":\"m\",\"data\":null}}"))
        .isEqualTo("error {\"error\":{\"code\":5,\"data\":null,\"message\":\"m\"}}");
    for (String invalid : List.of(
        "", "nope", "[]", "{}", "{\"result\":1,\"error\":2}", "{\"answer\":1}", "{\"result\":1} x",
        "{\"result\":1,\"result\":2}", "{\"error\":\"x\"}", "{\"error\":{\"code\":1}}",
        "{\"error\":{\"code\":1.5,\"message\":\"m\"}}", "{\"error\":{\"code\":-32050,\"message\":\"m\"}}",
        "{\"error\":{\"code\":1,\"message\":\"m\",\"extra\":1}}", "{\"result\":\"\\ud800\"}",
        "{\"result\":1e400}", "{\"result\":" + "[".repeat(200) + "]".repeat(200) + "}")) {
      assertThat(decode(invalid)).as(invalid).startsWith("trap:invalid_output ");
    }
    byte[] badUtf8 = {'{', '"', 'r', 'e', 's', 'u', 'l', 't', '"', ':', '"', (byte) 0xff, '"', '}'};
    assertThat(ResponseDecoder.decode(badUtf8, 0, "").label()).isEqualTo("trap:invalid_output");
  }

  private static String decode(String output) {
    Outcome.Deterministic d = ResponseDecoder.decode(output.getBytes(StandardCharsets.UTF_8), 1, "");
    return d.label() + " " + text(d.responseJson());
  }
}
