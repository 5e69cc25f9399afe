package dev.tandem.bench.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignatureBenchmarkTest {
  /** A short run: every implementation signs and verifies, Tandem's signer and BouncyCastle agree, a table comes out. */
  @Test
  void aShortRunPrintsOneRowPerImplementation() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = SignatureBenchmark.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new SignatureBenchmark.Options(50, 10, 200));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("| Tandem (sign: ", "| BouncyCastle alone | ", "| JDK (SunEC) | ")
        .contains("| BouncyCastle alone |").containsPattern("\\| BouncyCastle alone \\| [0-9.]+ \\| [0-9,]+ \\| "
            + "[0-9.]+ \\| [0-9,]+ \\| 1\\.00× \\| 1\\.00× \\|")
        .doesNotContain("MISMATCH");
  }
}
