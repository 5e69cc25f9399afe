package dev.tandem.sandbox.graalwasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import dev.tandem.sandbox.VerifierException;
import dev.tandem.sandbox.VerifierModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chicory and GraalWasm run the same metered modules to the same outcome: the example services, the hostile modules,
 * the sandbox's fixtures and the verifiers give the same label, the same response bytes and the same fuel on both.
 */
class CrossEngineTest {
  /** Generous: outcomes must come from fuel and the other limits, never from a slow first call on GraalWasm. */
  static final Limits LIMITS = Limits.builder().fuel(3_000_000).timeout(Duration.ofSeconds(120)).build();

  private static Sandbox chicory;
  private static Sandbox graal;

  @BeforeAll
  static void open() {
    chicory = Sandbox.builder().threads(2).build();
    graal = Sandbox.builder().threads(2).engine(GraalWasmEngine.NAME).build();
  }

  @AfterAll
  static void close() {
    chicory.close();
    graal.close();
  }

  @Test
  void exampleServicesAnswerTheSameOnBothEngines() throws Exception {
    assumeTrue(Files.isRegularFile(repo("services/echo/echo.wasm")), "services are not built (services/build.sh)");
    String[][] cases = {
        {"echo/echo.wasm", "tandem-v1", "echo", "{\"a\":[1,2,\"x\"]}"},
        {"echo/echo.wasm", "tandem-v1", "nope", "null"},
        {"matrix/matrix.wasm", "tandem-v1", "power", "{\"a\":[[1,1],[1,0]],\"k\":10}"},
        {"matrix/matrix.wasm", "tandem-v1", "determinant", "{\"a\":[[0,1],[1,0]]}"},
        {"whisper/whisper.wasm", "tandem-v1", "digest", "{\"data\":\"abc\"}"},
        {"whisper/whisper.wasm", "tandem-v1", "seal", "{\"payload\":\"hi\",\"topic\":\"news\"}"},
        {"search/search.wasm", "tandem-v1", "stats", "null"},
        {"search/search.wasm", "tandem-v1", "query", "{\"limit\":2,\"q\":\"sqlite database\"}"},
        {"docsearch/docsearch.wasm", "tandem-v1", "query", "{\"limit\":2,\"q\":\"memory\"}"},
        {"match/match.wasm", "tandem-v1", "fill", "{}"},
        {"wordcount/wordcount.wasm", "wasi-command", "count", "{\"text\":\"to be or not to be\\n\"}"},
        {"bench/hash.wasm", "tandem-v1", "run", "{\"n\":100000}"},
        {"bench/sort.wasm", "tandem-v1", "run", "{\"n\":20000}"},
        {"bench/matmul.wasm", "tandem-v1", "run", "{\"n\":24}"},
    };
    for (String[] c : cases) {
      sameOutcome(c[0], read(repo("services/" + c[0])), Abi.parse(c[1]), request(c[2], c[3]));
    }
  }

  @Test
  void hostileModulesEndTheSameWayOnBothEngines() throws Exception {
    assumeTrue(Files.isRegularFile(repo("services/hostile/loop.wasm")), "services are not built (services/build.sh)");
    String[][] cases = {{"loop", "run"}, {"membomb", "run"}, {"recursion", "run"}, {"nan", "run"},
        {"bigoutput", "claim"}, {"bigoutput", "fill"}, {"divzero", "run"}, {"oob", "run"}};
    for (String[] c : cases) {
      sameOutcome(c[0], read(repo("services/hostile/" + c[0] + ".wasm")), Abi.TANDEM_V1, request(c[1], "null"));
    }
  }

  @Test
  void sandboxFixturesEndTheSameWayOnBothEngines() throws Exception {
    List<String[]> cases = new ArrayList<>();
    for (String method : List.of("unreachable", "oob", "divzero", "vdiv", "conversion", "indirect", "grow",
        "recurse", "loop", "fake", "junk", "badptr", "xlarge", "hello", "error", "spin")) {
      cases.add(new String[] {"traps", method});
    }
    for (String method : List.of("probe", "exit", "spam", "chatty", "loop")) {
      cases.add(new String[] {"wasi-probe", method});
    }
    cases.add(new String[] {"wasi-host-fuel", "bbb"});
    cases.add(new String[] {"wasi-host-fuel", "aaa"});
    cases.add(new String[] {"start-trap", "run"});
    for (String[] c : cases) {
      Path file = repo("sandbox/src/test/resources/fixtures/" + c[0] + ".wasm");
      Abi abi = c[0].startsWith("wasi") ? Abi.WASI_COMMAND : Abi.TANDEM_V1;
      sameOutcome(c[0], read(file), abi, request(c[1], "null"));
    }
  }

  @Test
  void verifiersJudgeTheSameOnBothEngines() throws Exception {
    assumeTrue(Files.isRegularFile(repo("services/verifiers/equal/equal.wasm")), "verifiers are not built");
    JsonNode table = Json.parse(read(repo("services/verifiers/cases.json")));
    int checked = 0;
    for (String name : List.of("equal", "majority")) {
      byte[] wasm = read(repo("services/verifiers/" + name + "/" + name + ".wasm"));
      VerifierModule onChicory = chicory.loadVerifier(name, wasm);
      VerifierModule onGraal = graal.loadVerifier(name, wasm);
      assertThat(onGraal.minRequests()).isEqualTo(onChicory.minRequests());
      for (JsonNode c : table.get("cases")) {
        byte[] input = Jcs.canonicalize(c.get("input"));
        assertThat(verdict(onGraal, input)).as(name + ": " + c.get("name")).isEqualTo(verdict(onChicory, input));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  private static String verdict(VerifierModule v, byte[] input) {
    try {
      return v.verify(input, LIMITS).toString();
    } catch (VerifierException e) {
      return "error: " + e.getMessage();
    }
  }

  /** Runs one request on both engines and requires the same label, response and fuel. */
  static void sameOutcome(String name, byte[] wasm, Abi abi, byte[] request) throws Exception {
    ServiceModule onChicory = chicory.load(name, wasm, abi);
    ServiceModule onGraal = graal.load(name, wasm, abi);
    Outcome expected = chicory.call(onChicory, request, LIMITS);
    Outcome actual = graal.call(onGraal, request, LIMITS);
    String what = name + " " + new String(request, StandardCharsets.UTF_8);
    assertThat(expected.deterministic()).as(what + " on chicory: " + expected).isTrue();
    assertThat(fingerprint(actual)).as(what + " (graalwasm: " + actual + ")").isEqualTo(fingerprint(expected));
  }

  /** What must be the same on every node: the label, the response bytes and the fuel (not the engine's detail). */
  static String fingerprint(Outcome o) {
    String response = o instanceof Outcome.Deterministic d
        ? new String(d.responseJson(), StandardCharsets.UTF_8) : "-";
    return o.label() + " " + response + " fuel=" + o.fuel();
  }

  static byte[] request(String method, String paramsJson) throws Exception {
    var call = Json.object();
    call.put("method", method);
    call.set("params", Json.parse(paramsJson));
    return Jcs.canonicalize(call);
  }

  /** A file of the repository (tests run in the module's directory). */
  static Path repo(String relative) {
    return Path.of("..").toAbsolutePath().normalize().resolve(relative);
  }

  static byte[] read(Path p) throws IOException {
    return Files.readAllBytes(p);
  }
}
