package dev.tandem.it.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README's module table describes the layout as it is: one row per Maven module of the build (plus
 * {@code clients/js} and {@code services/}), every row naming a folder that exists, and every package of the node
 * named in the node's row, so that a module or package added or removed without the table fails here.
 */
class ReadmeLayoutTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([\\w/.-]+?)/?` \\|(.*)\\|$", Pattern.MULTILINE);
  private static final Pattern MODULE = Pattern.compile("<module>([\\w-]+)</module>");

  @Test
  void theModuleTableHasARowForEveryModuleAndNoOther() throws IOException {
    Path root = root();
    Set<String> rows = new LinkedHashSet<>();
    Matcher m = ROW.matcher(modulesSection(root));
    while (m.find()) {
      rows.add(m.group(1));
    }
    Set<String> modules = new LinkedHashSet<>();
    Matcher module = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    while (module.find()) {
      modules.add(module.group(1));
    }
    modules.add("clients/js");
    modules.add("services");
    assertThat(rows).containsExactlyInAnyOrderElementsOf(modules);
    assertThat(rows).allMatch(r -> Files.isDirectory(root.resolve(r)), "names an existing folder");
  }

  @Test
  void theNodesRowNamesEveryPackageOfTheNode() throws IOException {
    Path root = root();
    Matcher m = ROW.matcher(modulesSection(root));
    String nodeRow = "";
    while (m.find()) {
      if (m.group(1).equals("node")) {
        nodeRow = m.group(2);
      }
    }
    List<String> missing = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root.resolve("node/src/main/java/dev/tandem/node"))) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        String pkg = "node." + dir.getFileName();
        if (!nodeRow.contains("`" + pkg + "`")) {
          missing.add(pkg);
        }
      }
    }
    assertThat(missing).as("node packages README's module table does not name").isEmpty();
  }

  private static String modulesSection(Path root) throws IOException {
    String readme = Files.readString(root.resolve("README.md"));
    int start = readme.indexOf("\n## Modules\n");
    assertThat(start).as("README has a Modules section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static Path root() {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    return root;
  }
}
