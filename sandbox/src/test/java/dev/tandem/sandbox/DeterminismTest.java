package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Byte-identical responses and fuel across modes, runs and JVM processes. */
class DeterminismTest {

  private static void assumeSearchBuilt() {
    assumeTrue(TestSupport.repoFile("services/search/search.wasm").isPresent(),
        "services/search/search.wasm is not built (services/build.sh)");
  }

  @Test
  void searchQueriesAreIdenticalCompiledAndInterpreted() throws Exception {
    assumeSearchBuilt();
    List<byte[]> queries = DeterminismProbe.searchQueries();
    byte[] wasm = TestSupport.read(TestSupport.repoRoot().resolve("services/search/search.wasm"));
    Limits limits = Limits.builder().fuel(50_000_000).build();
    List<String> compiled = new ArrayList<>();
    List<String> interpreted = new ArrayList<>();
    try (Sandbox c = Sandbox.builder().threads(2).build();
         Sandbox i = Sandbox.builder().threads(2).compiled(false).build()) {
      ServiceModule mc = c.load("search", wasm, Abi.TANDEM_V1);
      ServiceModule mi = i.load("search", wasm, Abi.TANDEM_V1);
      for (byte[] q : queries) {
        compiled.add(TrapsTest.fingerprint(c.call(mc, q, limits)));
        interpreted.add(TrapsTest.fingerprint(i.call(mi, q, limits)));
      }
    }
    assertThat(interpreted).isEqualTo(compiled);
    assertThat(compiled).hasSize(200);
    assertThat(compiled).allSatisfy(line -> assertThat(line).startsWith("result {\"result\":{\"hits\":["));
    long withHits = compiled.stream().filter(l -> !l.contains("\"hits\":[]")).count();
    assertThat(withHits).as("queries of corpus words find documents").isEqualTo(200);
    assertThat(compiled.stream().distinct().count()).isGreaterThan(150);
  }

  @Test
  void separateJvmProcessesGiveTheSameDigest() throws Exception {
    assumeSearchBuilt();
    // Two JVMs that share nothing but the class path, one compiling modules and one interpreting them (and
    // itself JIT-compiled differently), must print the same digest of 213 responses and fuel counts.
    String compiledChild = fork("compiled");
    String interpretedChild = fork("interpreted");
    assertThat(compiledChild).matches("digest=[0-9a-f]{64} calls=" + (DeterminismProbe.QUERIES + 13));
    assertThat(interpretedChild).isEqualTo(compiledChild);
  }

  private static String fork(String mode) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
    if (mode.equals("interpreted")) {
      command.add("-XX:TieredStopAtLevel=1"); // a differently compiled JVM, too
    }
    command.add(DeterminismProbe.class.getName());
    command.add(mode);
    Process p = new ProcessBuilder(command).directory(TestSupport.repoRoot().toFile())
        .redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
    String text = new String(out, StandardCharsets.UTF_8).trim();
    return text.substring(text.lastIndexOf('\n') + 1); // the digest line; warnings may come before it
  }
}
