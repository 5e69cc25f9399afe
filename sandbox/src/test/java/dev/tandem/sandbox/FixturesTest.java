package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed test modules are what their sources in src/test/fixtures build to (see build.sh there). */
class FixturesTest {
  @TempDir Path work;

  private static final Path SOURCES = TestSupport.repoRoot().resolve("sandbox/src/test/fixtures");

  @Test
  void watFixturesMatchTheirSources() throws Exception {
    assumeTrue(TestSupport.onPath("wat2wasm"), "wabt is not installed (apt-get install wabt)");
    try (Stream<Path> files = Files.list(SOURCES)) {
      for (Path wat : files.filter(p -> p.toString().endsWith(".wat")).sorted().toList()) {
        String name = wat.getFileName().toString().replace(".wat", ".wasm");
        Path out = work.resolve(name);
        run("wat2wasm", wat.toString(), "-o", out.toString());
        assertThat(Files.readAllBytes(out)).as(name + " is stale: run sandbox/src/test/fixtures/build.sh")
            .isEqualTo(TestSupport.fixture(name));
      }
    }
  }

  @Test
  void wasiProbeMatchesItsSource() throws Exception {
    assumeTrue(TestSupport.onPath("clang") && Files.isDirectory(Path.of("/usr/include/wasm32-wasi")),
        "clang or wasi-libc is not installed (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32)");
    Path out = work.resolve("wasi-probe.wasm");
    run("clang", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-s", "-o", out.toString(),
        SOURCES.resolve("wasi-probe.c").toString());
    assertThat(Files.readAllBytes(out)).as("wasi-probe.wasm is stale: run sandbox/src/test/fixtures/build.sh")
        .isEqualTo(TestSupport.fixture("wasi-probe.wasm"));
  }

  private void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(SOURCES.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
  }
}
