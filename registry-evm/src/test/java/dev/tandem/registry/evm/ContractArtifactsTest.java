package dev.tandem.registry.evm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed ABI and bytecode are what the committed sources compile to, with the pinned solc and settings: a
 * changed contract without a fresh {@code node compile.mjs} fails here.
 */
class ContractArtifactsTest {
  private static final List<String> CONTRACTS = List.of("ServiceRegistry", "ServerRegistry");

  @TempDir
  Path out;

  @Test
  void aFreshCompileMatchesTheCommittedArtifactsByteForByte() throws Exception {
    Path contracts;
    try {
      contracts = LocalChain.installedContractsDir();
    } catch (LocalChain.Unavailable e) {
      Assumptions.abort("cannot compile the contracts here (npm/solc unavailable): " + e.getMessage());
      return;
    }
    Process node;
    try {
      node = new ProcessBuilder("node", "compile.mjs", "--out", out.toString())
          .directory(contracts.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("cannot compile the contracts here (no node): " + e.getMessage());
      return;
    }
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(120, TimeUnit.SECONDS)).as("compile.mjs finished").isTrue();
    assertThat(node.exitValue()).as("compile.mjs output:%n%s", output).isZero();

    Path committed = contracts.resolve("../src/main/resources/evm").normalize();
    for (String name : CONTRACTS) {
      byte[] fresh = Files.readAllBytes(out.resolve(name + ".json"));
      assertThat(fresh).as("%s.json: run `node compile.mjs` in %s and commit the result", name, contracts)
          .isEqualTo(Files.readAllBytes(committed.resolve(name + ".json")));
      // and the classpath copy, which the registry deploys, is the committed one
      try (var in = ContractArtifactsTest.class.getResourceAsStream("/evm/" + name + ".json")) {
        assertThat(in.readAllBytes()).isEqualTo(fresh);
      }
    }
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("ServerRegistry.json", "ServiceRegistry.json");
    }
  }
}
