package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem run-module} and {@code tandem verify-module}. */
class ModuleCommandsTest {
  @TempDir Path tmp;

  private static Path service(String relative) {
    Path p = TestPaths.repoRoot().resolve("services").resolve(relative);
    assumeTrue(Files.isRegularFile(p), p + " is not built (services/build.sh)");
    return p;
  }

  @Test
  void runModulePrintsTheCanonicalResponseAndTheOutcome() {
    CliTest.Run r = CliTest.run("run-module", service("echo/echo.wasm").toString(), "--method", "echo",
        "--params", "{\"b\": 2.0, \"a\": [1, \"x\"]}");
    assertThat(r.code()).isZero();
    assertThat(r.out().trim()).isEqualTo("{\"result\":{\"a\":[1,\"x\"],\"b\":2}}");
    assertThat(r.err().trim()).matches("outcome=result fuel=\\d+");
  }

  @Test
  void runModuleAsJson() throws Exception {
    CliTest.Run r = CliTest.run("run-module", service("echo/echo.wasm").toString(), "--method", "nope", "--json");
    assertThat(r.code()).isEqualTo(1);
    var json = Json.parse(r.out().trim());
    assertThat(json.get("outcome").asText()).isEqualTo("error");
    assertThat(json.get("deterministic").asBoolean()).isTrue();
    assertThat(json.get("fuel").asLong()).isPositive();
    assertThat(json.get("response").toString())
        .isEqualTo("{\"error\":{\"code\":-32601,\"message\":\"method not found\"}}");
  }

  @Test
  void runModuleTrapsWithExitCodeOne() {
    CliTest.Run r = CliTest.run("run-module", service("hostile/loop.wasm").toString(), "--method", "run",
        "--fuel", "100000");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out().trim()).isEqualTo("{\"error\":{\"code\":-32016,\"message\":\"trap: out of fuel\"}}");
    assertThat(r.err()).startsWith("outcome=trap:out_of_fuel fuel=100000 (");
  }

  @Test
  void runModuleWasiCommand() {
    CliTest.Run r = CliTest.run("run-module", service("wordcount/wordcount.wasm").toString(), "--method", "count",
        "--params", "{\"text\":\"a b a\"}");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("\"words\":3");
  }

  @Test
  void badInputIsOneLineWithExitCodeTwo() throws Exception {
    CliTest.Run missing = CliTest.run("run-module", tmp.resolve("none.wasm").toString(), "--method", "m");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err().trim()).isEqualTo("tandem run-module: no such file: " + tmp.resolve("none.wasm"));
    CliTest.Run badParams = CliTest.run("run-module", service("echo/echo.wasm").toString(), "--method", "echo",
        "--params", "{oops");
    assertThat(badParams.code()).isEqualTo(2);
    assertThat(badParams.err()).startsWith("tandem run-module: --params is not JSON: ").doesNotContain("\tat ");
    assertThat(badParams.err().trim().lines().count()).isEqualTo(1);
    Path garbage = tmp.resolve("garbage.wasm");
    Files.writeString(garbage, "not wasm");
    CliTest.Run rejected = CliTest.run("run-module", garbage.toString(), "--method", "m");
    assertThat(rejected.code()).isEqualTo(2);
    assertThat(rejected.err()).contains("not a WebAssembly binary");
    CliTest.Run badAbi = CliTest.run("run-module", service("echo/echo.wasm").toString(), "--method", "m",
        "--abi", "wasm");
    assertThat(badAbi.code()).isEqualTo(2);
    assertThat(badAbi.err().trim()).isEqualTo(
        "tandem run-module: --abi: unknown ABI 'wasm': expected one of tandem-v1, wasi-command, verifier");
  }

  @Test
  void verifyModuleAcceptsAndRejects() {
    CliTest.Run ok = CliTest.run("verify-module", service("echo/echo.wasm").toString());
    assertThat(ok.code()).isZero();
    assertThat(ok.out().trim()).startsWith("acceptable: tandem-v1, exports memory: memory, ")
        .contains("tandem_call: (i32, i32) -> i64").endsWith("imports none");
    CliTest.Run wasi = CliTest.run("verify-module", service("wordcount/wordcount.wasm").toString());
    assertThat(wasi.out().trim()).startsWith("acceptable: wasi-command, ").contains("wasi_snapshot_preview1.fd_read");
    CliTest.Run verifier = CliTest.run("verify-module", service("verifiers/majority/majority.wasm").toString());
    assertThat(verifier.out().trim()).startsWith("acceptable: verifier, ").endsWith("minRequests 3");
    CliTest.Run rejected = CliTest.run("verify-module", service("hostile/forbidden-import.wasm").toString());
    assertThat(rejected.code()).isEqualTo(1);
    assertThat(rejected.out()).contains("is not acceptable as tandem-v1:")
        .contains("  - a tandem-v1 module may not import anything, but it imports env.clock (function)");
    CliTest.Run asWasi = CliTest.run("verify-module", service("echo/echo.wasm").toString(), "--abi", "wasi-command");
    assertThat(asWasi.code()).isEqualTo(1);
    assertThat(asWasi.out()).contains("  - missing export '_start' () -> ()");
  }
}
