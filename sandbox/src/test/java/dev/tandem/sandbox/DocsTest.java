package dev.tandem.sandbox;

import dev.tandem.core.wire.Verdict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/writing-services.md shows only code that works: each example file is in the page verbatim, every code block
 * in the page is an example file, the build commands in the page build them, and the modules they build answer as
 * the page says (the CLI's DocsCommandsTest runs the page's ./tandem commands).
 */
class DocsTest {
  @TempDir Path work;

  private static final Path ROOT = TestSupport.repoRoot();
  private static final Path DOC = ROOT.resolve("docs/writing-services.md");
  private static final Path EXAMPLES = ROOT.resolve("docs/examples");

  static String doc() throws IOException {
    return Files.readString(DOC, StandardCharsets.UTF_8);
  }

  static List<Path> exampleSources() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(p -> p.toString().endsWith(".c") || p.toString().endsWith(".ts")).sorted().toList();
    }
  }

  /** The commands ({@code $ …} lines) of the page's {@code sh} blocks. */
  static List<String> shellCommands(String doc) {
    List<String> commands = new ArrayList<>();
    Matcher block = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    while (block.find()) {
      for (String line : block.group(1).split("\n")) {
        if (line.startsWith("$ ")) {
          commands.add(line.substring(2));
        }
      }
    }
    return commands;
  }

  @Test
  void everyExampleIsInThePageVerbatimAndEveryCodeBlockIsAnExample() throws IOException {
    String doc = doc();
    List<Path> sources = exampleSources();
    assertThat(sources).extracting(p -> p.getFileName().toString())
        .contains("hello.c", "hello-wasi.c", "hello.ts", "unanimous.c");
    List<String> texts = new ArrayList<>();
    for (Path p : sources) {
      String text = Files.readString(p, StandardCharsets.UTF_8);
      texts.add(text);
      assertThat(doc).as(p.getFileName() + " is in the page verbatim").contains("\n" + text + "```\n");
    }
    Matcher block = Pattern.compile("```(c|ts)\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    int blocks = 0;
    while (block.find()) {
      blocks++;
      assertThat(texts).as("a " + block.group(1) + " block of the page is not an example file")
          .contains(block.group(2));
    }
    assertThat(blocks).isEqualTo(sources.size());
  }

  @Test
  void eachExampleSaysHowThePageBuildsIt() throws IOException {
    List<String> commands = shellCommands(doc());
    for (Path p : exampleSources()) {
      Matcher build = Pattern.compile("// Build: (.*)").matcher(Files.readString(p, StandardCharsets.UTF_8));
      assertThat(build.find()).as(p + " has a Build: line").isTrue();
      assertThat(commands).as("the page builds " + p.getFileName() + " as its Build: line says")
          .contains(build.group(1));
    }
  }

  @Test
  void cExamplesBuildWithThePagesCommandsAndAnswerAsThePageSays() throws Exception {
    assumeTrue(TestSupport.onPath("clang"), "clang is not installed (apt-get install clang lld wasi-libc"
        + " libclang-rt-dev-wasm32): the C examples cannot be built");
    buildWithThePagesCommands("clang ");
    try (Sandbox sandbox = Sandbox.builder().threads(1).build()) {
      checkHello(sandbox, "hello.wasm", Abi.TANDEM_V1);
      checkHello(sandbox, "hello-wasi.wasm", Abi.WASI_COMMAND);
      VerifierModule unanimous = sandbox.loadVerifier("unanimous", Files.readAllBytes(work.resolve("unanimous.wasm")));
      assertThat(unanimous.minRequests()).isEqualTo(2);
      assertThat(unanimous.verify(verifierInput("{\"result\":1}", "{\"result\":1.0}")))
          .isEqualTo(new Verdict(Verdict.Kind.ACCEPT, 0, List.of()));
      // a response whose text holds JSON punctuation in a string must not confuse the scanner
      String tricky = "{\"result\":\"a,}\\\"]\"}";
      assertThat(unanimous.verify(verifierInput(tricky, tricky, "{\"result\":1}")))
          .isEqualTo(new Verdict(Verdict.Kind.CONFLICT, null, List.of()));
      assertThat(unanimous.verify(verifierInput("{\"result\":1}")))
          .isEqualTo(new Verdict(Verdict.Kind.INSUFFICIENT, null, List.of()));
      assertThat(unanimous.verify("{\"responses\":[{\"response\":{\"error\":{\"code\":1,\"message\":\"x\"}},"
          .concat("\"server\":\"a\"},{\"response\":{\"error\":{\"code\":1,\"message\":\"x\"}},\"server\":\"b\"}]}")
          .getBytes(StandardCharsets.UTF_8))).isEqualTo(new Verdict(Verdict.Kind.ACCEPT, 0, List.of()));
    }
  }

  @Test
  void assemblyScriptExampleBuildsWithThePagesCommandAndAnswersAsThePageSays() throws Exception {
    assumeTrue(AssemblyScript.available(), "AssemblyScript is not installed and 'npm ci' in docs/examples could not"
        + " install it: the AssemblyScript example cannot be built");
    Files.createSymbolicLink(work.resolve("node_modules"), EXAMPLES.resolve("node_modules"));
    try {
      buildWithThePagesCommands("npx asc ");
    } finally {
      Files.delete(work.resolve("node_modules")); // the link only; the temp dir cleanup must not follow it
    }
    try (Sandbox sandbox = Sandbox.builder().threads(1).build()) {
      checkHello(sandbox, "hello-as.wasm", Abi.TANDEM_V1);
    }
  }

  /** Runs the page's commands that start with {@code prefix}, in a directory holding the example sources. */
  private void buildWithThePagesCommands(String prefix) throws Exception {
    for (Path p : exampleSources()) {
      Files.copy(p, work.resolve(p.getFileName()));
    }
    int ran = 0;
    for (String command : shellCommands(doc())) {
      if (command.startsWith(prefix)) {
        run(command);
        ran++;
      }
    }
    assertThat(ran).isPositive();
  }

  private void checkHello(Sandbox sandbox, String name, Abi abi) throws Exception {
    ServiceModule m = sandbox.load(name, Files.readAllBytes(work.resolve(name)), abi);
    Outcome hello = sandbox.call(m, TestSupport.request("hello", "{\"name\":\"Ada\",\"age\":36.0}"),
        Limits.defaults());
    assertThat(TestSupport.text(((Outcome.Deterministic) hello).responseJson())).as(name)
        .isEqualTo("{\"result\":{\"hello\":{\"age\":36,\"name\":\"Ada\"}}}");
    Outcome bye = sandbox.call(m, TestSupport.request("bye", "null"), Limits.defaults());
    assertThat(TestSupport.text(((Outcome.Deterministic) bye).responseJson())).as(name)
        .isEqualTo("{\"error\":{\"code\":-32601,\"message\":\"method not found\"}}");
    Outcome starved = sandbox.call(m, TestSupport.request("hello", "1"), Limits.defaults().withFuel(100));
    assertThat(starved.label()).as(name).isEqualTo("trap:out_of_fuel");
  }

  private static byte[] verifierInput(String... responses) {
    StringBuilder s = new StringBuilder("{\"requests\":[{\"method\":\"m\",\"params\":{\"responses\":[]}}],"
        + "\"responses\":[");
    for (int i = 0; i < responses.length; i++) {
      s.append(i == 0 ? "" : ",").append("{\"server\":\"ed25519:s").append(i).append("\",\"response\":")
          .append(responses[i]).append('}');
    }
    return s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private void run(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", command).directory(work.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(command).isTrue();
    assertThat(p.exitValue()).as(command + "\n" + output).isZero();
  }

  /** The pinned AssemblyScript compiler of docs/examples, installed with npm ci when missing. */
  static final class AssemblyScript {
    private static Boolean available;

    static synchronized boolean available() throws IOException, InterruptedException {
      if (available == null) {
        if (!Files.isDirectory(EXAMPLES.resolve("node_modules/assemblyscript")) && TestSupport.onPath("npm")) {
          Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(EXAMPLES.toFile())
              .redirectErrorStream(true).start();
          p.getInputStream().readAllBytes();
          p.waitFor(300, TimeUnit.SECONDS);
        }
        available = Files.isDirectory(EXAMPLES.resolve("node_modules/assemblyscript"));
      }
      return available;
    }
  }
}
