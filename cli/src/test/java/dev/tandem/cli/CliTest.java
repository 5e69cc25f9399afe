package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      CommandLine cl = Main.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(oldOut);
    }
  }

  @Test
  void cidOfTheWasmHeaderMatchesKnownVectors() throws Exception {
    Path f = tmp.resolve("m.wasm");
    Files.write(f, new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    assertThat(run("cid", f.toString()).out().trim())
        .isEqualTo("bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy");
    assertThat(run("cid", "--kubo", f.toString()).out().trim())
        .isEqualTo("QmbG6yVwujNGjWsvPEvmW6jJRBKxBEEm3tqKSSXUc6fvVJ");
    // Kubo turns raw leaves on with CIDv1: a one-chunk file is then its raw block
    assertThat(run("cid", "--kubo", "--cid-version", "1", f.toString()).out().trim())
        .isEqualTo("bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy");
    assertThat(run("cid", "--kubo", "--cid-version", "1", "--raw-leaves=false", f.toString()).out().trim())
        .isEqualTo("bafybeif77w4xcbg3fbzeuovbwwbwvcj6zxbhqzl66nvj7chrs7poyfbvxu");
    assertThat(run("cid", "--kubo", "--raw-leaves", f.toString()).out().trim())
        .isEqualTo("bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy");
  }

  @Test
  void kuboCidVersion1OfAMultiChunkFileHasRawLeaves() throws Exception {
    Path f = tmp.resolve("big.bin");
    byte[] data = new byte[300_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + (i >> 8));
    }
    Files.write(f, data);
    assertThat(run("cid", "--kubo", "--cid-version", "1", f.toString()).out().trim())
        .isEqualTo(dev.tandem.core.cid.UnixFs.kuboCid(data, 1, true).toString()).startsWith("bafybei");
    assertThat(run("cid", "--kubo", "--cid-version", "1", "--raw-leaves=false", f.toString()).out().trim())
        .isEqualTo(dev.tandem.core.cid.UnixFs.kuboCid(data, 1, false).toString());
  }

  @Test
  void missingFileIsOneClearLine() {
    Run r = run("cid", tmp.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("tandem cid: no such file").doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void keygenWritesAKeyAndRefusesToOverwrite() {
    Path key = tmp.resolve("k.key");
    Run first = run("keygen", "--out", key.toString());
    assertThat(first.code()).isZero();
    assertThat(first.out().trim()).startsWith("ed25519:");
    Run second = run("keygen", "--out", key.toString());
    assertThat(second.code()).isEqualTo(2);
    assertThat(second.err()).contains("refusing to overwrite");
  }

  @Test
  void helpListsEveryCommand() {
    Run r = run("--help");
    assertThat(r.out()).contains("demo").contains("test").contains("cid").contains("keygen");
  }
}
