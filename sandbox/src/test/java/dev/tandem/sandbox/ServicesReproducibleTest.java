package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code services/**}{@code /*.wasm} fixtures are exactly what {@code services/build.sh} builds from
 * their sources: {@code build.sh --check} rebuilds them in a temporary folder and compares byte for byte.
 */
class ServicesReproducibleTest {

  @Test
  void buildScriptReproducesEveryCommittedModule() throws Exception {
    assumeTrue(TestSupport.onPath("clang") && TestSupport.onPath("wat2wasm"),
        "the WebAssembly toolchain is not installed (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32 wabt)");
    Process p = new ProcessBuilder("bash", "services/build.sh", "--check")
        .directory(TestSupport.repoRoot().toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("identical to a fresh build");
  }
}
