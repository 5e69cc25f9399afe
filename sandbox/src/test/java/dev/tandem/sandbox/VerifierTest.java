package dev.tandem.sandbox;

import dev.tandem.core.wire.Verdict;
import static dev.tandem.sandbox.TestSupport.read;
import static dev.tandem.sandbox.TestSupport.repoFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The verifier ABI, with the verifiers of services/verifiers and their shared table of cases. */
class VerifierTest {
  private static Sandbox sandbox;

  @BeforeAll
  static void open() {
    sandbox = Sandbox.builder().threads(2).build();
  }

  @AfterAll
  static void close() {
    sandbox.close();
  }

  @Test
  void verifiersAgreeWithTheCaseTable() throws Exception {
    assumeTrue(repoFile("services/verifiers/equal/equal.wasm").isPresent(), "verifiers are not built");
    JsonNode table = Json.parse(read(repoFile("services/verifiers/cases.json").orElseThrow()));
    for (String name : List.of("equal", "majority")) {
      VerifierModule v = sandbox.loadVerifier(name,
          read(repoFile("services/verifiers/" + name + "/" + name + ".wasm").orElseThrow()));
      assertThat(v.minRequests()).isEqualTo(table.get("minRequests").get(name).asInt());
      int checked = 0;
      for (JsonNode c : table.get("cases")) {
        JsonNode expected = c.get("expected").get(name);
        byte[] input = Jcs.canonicalize(c.get("input"));
        if (expected.has("error")) {
          assertThatThrownBy(() -> v.verify(input)).isInstanceOf(VerifierException.class);
          continue;
        }
        Verdict verdict = v.verify(input);
        assertThat(verdict.kind().id()).as(name + ": " + c.get("name")).isEqualTo(expected.get("verdict").asText());
        assertThat(verdict.accepted()).as(name + ": " + c.get("name"))
            .isEqualTo(expected.get("accepted").isNull() ? null : expected.get("accepted").asInt());
        List<Integer> faulty = new ArrayList<>();
        expected.get("faulty").forEach(f -> faulty.add(f.asInt()));
        assertThat(verdict.faulty()).as(name + ": " + c.get("name")).isEqualTo(faulty);
        checked++;
      }
      assertThat(checked).isGreaterThan(10);
    }
  }

  @Test
  void inputIsCanonicalizedBeforeTheVerifierSeesIt() throws Exception {
    assumeTrue(repoFile("services/verifiers/equal/equal.wasm").isPresent(), "verifiers are not built");
    VerifierModule equal = sandbox.loadVerifier("equal",
        read(repoFile("services/verifiers/equal/equal.wasm").orElseThrow()));
    // The same value written two ways: equal once canonical.
    String input = "{\"requests\":[],\"responses\":[{\"server\":\"a\",\"response\":{\"result\":{\"x\":1,\"y\":2.0}}},"
        + "{\"server\":\"b\",\"response\":{\"result\":{\"y\":2, \"x\":1e0}}}]}";
    Verdict v = equal.verify(input.getBytes(StandardCharsets.UTF_8));
    assertThat(v.kind()).isEqualTo(Verdict.Kind.ACCEPT);
    assertThat(v.accepted()).isZero();
  }

  @Test
  void badInputAndBadModules() throws Exception {
    assumeTrue(repoFile("services/verifiers/equal/equal.wasm").isPresent(), "verifiers are not built");
    VerifierModule equal = sandbox.loadVerifier("equal",
        read(repoFile("services/verifiers/equal/equal.wasm").orElseThrow()));
    assertThatThrownBy(() -> equal.verify("[1,2]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"responses\" array");
    assertThatThrownBy(() -> equal.verify("{".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not canonicalizable JSON");
    // the entries must be objects with a response: the verifier itself answers with an error
    assertThatThrownBy(() -> equal.verify("{\"responses\":[1,2]}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(VerifierException.class).hasMessageContaining("rejected its input: -32602");
    assertThatThrownBy(() -> sandbox.loadVerifier("t", TestSupport.fixture("traps.wasm")))
        .isInstanceOf(ModuleRejectedException.class);
  }

  @Test
  void verdictParsing() {
    assertThat(Verdict.parse(b("{\"accepted\":1,\"faulty\":[0,2],\"verdict\":\"accept\"}"), 3))
        .isEqualTo(new Verdict(Verdict.Kind.ACCEPT, 1, List.of(0, 2)));
    assertThat(Verdict.parse(b("{\"verdict\":\"insufficient\"}"), 0))
        .isEqualTo(new Verdict(Verdict.Kind.INSUFFICIENT, null, List.of()));
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"accept\",\"accepted\":3}"), 3))
        .hasMessage("\"accepted\" index 3 is out of range: there are 3 responses");
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"accept\",\"accepted\":null}"), 3))
        .hasMessage("verdict \"accept\" needs \"accepted\": the index of a response");
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"conflict\",\"accepted\":0}"), 3))
        .hasMessage("verdict \"conflict\" must have \"accepted\": null");
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"maybe\"}"), 3))
        .hasMessage("unknown verdict \"maybe\": expected accept, conflict or insufficient");
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"accept\",\"accepted\":0,\"faulty\":[0]}"), 3))
        .hasMessage("response 0 is both accepted and faulty");
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"conflict\",\"faulty\":[1,1]}"), 3))
        .hasMessage("\"faulty\" lists index 1 twice");
    assertThatThrownBy(() -> Verdict.parse(b("{\"verdict\":\"conflict\",\"extra\":1}"), 3))
        .hasMessage("verifier output has an unexpected member \"extra\"");
    assertThatThrownBy(() -> Verdict.parse(b("nope"), 3)).hasMessageStartingWith("verifier output is not JSON");
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
