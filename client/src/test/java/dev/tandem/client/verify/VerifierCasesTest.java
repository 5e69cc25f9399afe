package dev.tandem.client.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.TestFiles;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.core.wire.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every case of {@code services/verifiers/cases.json} against the built-in verifiers and the Wasm verifier modules
 * run in the sandbox: all four must give exactly the expected verdict, byte for byte in canonical form.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierCasesTest {
  Sandbox sandbox;
  JsonNode table;
  List<Verifier> equal = new ArrayList<>();
  List<Verifier> majority = new ArrayList<>();

  @BeforeAll
  void load() throws Exception {
    table = Json.parse(TestFiles.read("services/verifiers/cases.json"));
    sandbox = Sandbox.builder().threads(1).build();
    equal.add(EqualVerifier.INSTANCE);
    equal.add(wasm("services/verifiers/equal/equal.wasm"));
    majority.add(MajorityVerifier.INSTANCE);
    majority.add(wasm("services/verifiers/majority/majority.wasm"));
  }

  private Verifier wasm(String path) throws Exception {
    byte[] bytes = TestFiles.read(path);
    return new WasmVerifier(sandbox.loadVerifier(Cid.rawSha256(bytes).toString(), bytes), Limits.defaults());
  }

  @AfterAll
  void close() {
    sandbox.close();
  }

  @TestFactory
  Stream<DynamicTest> everyCaseGivesTheExpectedVerdictOnBuiltinsAndWasm() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : table.get("cases")) {
      for (String kind : List.of("equal", "majority")) {
        for (Verifier v : kind.equals("equal") ? equal : majority) {
          tests.add(DynamicTest.dynamicTest(kind + " / " + v + " / " + c.get("name").asText(), () -> {
            Verdict verdict = v.verify(c.get("input"));
            assertThat(canonical(verdict)).isEqualTo(Jcs.toString(c.get("expected").get(kind)));
          }));
        }
      }
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> minRequestsMatchTheTable() {
    return Stream.of(
        DynamicTest.dynamicTest("equal", () -> equal.forEach(v ->
            assertThat(v.minRequests()).isEqualTo(table.path("minRequests").path("equal").asInt()))),
        DynamicTest.dynamicTest("majority", () -> majority.forEach(v ->
            assertThat(v.minRequests()).isEqualTo(table.path("minRequests").path("majority").asInt()))));
  }

  static String canonical(Verdict v) throws Exception {
    ObjectNode o = Json.object();
    o.put("verdict", v.kind().id());
    if (v.accepted() == null) {
      o.putNull("accepted");
    } else {
      o.put("accepted", v.accepted());
    }
    var f = o.putArray("faulty");
    v.faulty().forEach(f::add);
    return Jcs.toString(o);
  }
}
