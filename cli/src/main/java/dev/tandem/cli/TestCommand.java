package dev.tandem.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Listed here so {@code --help} shows it; the {@code ./tandem} script runs the build directly. */
@Command(name = "test", description = "Build everything and run the whole test suite (./mvnw verify).",
    mixinStandardHelpOptions = true)
final class TestCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "MAVEN_ARGS", description = "extra arguments for Maven")
  List<String> extra = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new Errors.UserException("run this from the Tandem checkout (no mvnw found above the current folder)");
    }
    List<String> cmd = new ArrayList<>(List.of("./mvnw", "-B", "verify"));
    cmd.addAll(extra);
    return new ProcessBuilder(cmd).directory(root.toFile()).inheritIO().start().waitFor();
  }
}
