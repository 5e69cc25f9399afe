package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
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
 * Runs the shell sessions of docs/writing-services.md: every {@code $ clang …} line builds, and every
 * {@code $ ./tandem …} line prints exactly the stdout the page shows under it. (The sandbox's DocsTest checks the
 * example sources and the AssemblyScript build.)
 */
class DocsCommandsTest {
  @TempDir Path work;

  record Step(String command, List<String> expected) {}

  static List<Step> steps(String doc) {
    List<Step> steps = new ArrayList<>();
    Matcher block = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    while (block.find()) {
      for (String line : block.group(1).split("\n")) {
        if (line.startsWith("$ ")) {
          steps.add(new Step(line.substring(2), new ArrayList<>()));
        } else if (!steps.isEmpty()) {
          steps.get(steps.size() - 1).expected().add(line);
        }
      }
    }
    return steps;
  }

  /** Splits a command line as sh would, for the quoting the page uses (single quotes only). */
  static List<String> words(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char c : command.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          words.add(word.toString());
        }
        word.setLength(0);
        any = false;
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) {
      words.add(word.toString());
    }
    return words;
  }

  @Test
  void thePagesTandemCommandsPrintWhatThePageShows() throws Exception {
    boolean clang = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "clang")));
    assumeTrue(clang, "clang is not installed (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32): the"
        + " page's modules cannot be built");
    Path root = TestPaths.repoRoot();
    String doc = Files.readString(root.resolve("docs/writing-services.md"), StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.list(root.resolve("docs/examples"))) {
      for (Path p : files.filter(p -> p.toString().endsWith(".c") || p.toString().endsWith(".ts")).toList()) {
        Files.copy(p, work.resolve(p.getFileName()));
      }
    }
    int tandemRuns = 0;
    for (Step step : steps(doc)) {
      if (step.command().startsWith("clang ")) {
        Process p = new ProcessBuilder("sh", "-c", step.command()).directory(work.toFile())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(step.command() + "\n" + out).isZero();
      } else if (step.command().startsWith("./tandem ")) {
        List<String> args = words(step.command().substring("./tandem ".length()));
        // module files are relative to where the page built them
        args.replaceAll(a -> a.endsWith(".wasm") ? work.resolve(a).toString() : a);
        if (!Files.exists(Path.of(args.get(1)))) {
          continue; // built by a toolchain other than clang (AssemblyScript): checked by the sandbox's DocsTest
        }
        CliTest.Run run = CliTest.run(args.toArray(String[]::new));
        assertThat(run.out().strip()).as(step.command() + "\nstderr: " + run.err())
            .isEqualTo(String.join("\n", step.expected()).strip());
        tandemRuns++;
      }
    }
    assertThat(tandemRuns).isGreaterThanOrEqualTo(5);
  }
}
