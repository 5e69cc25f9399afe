package dev.tandem.it.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout rules of the main code, checked on the sources of every module (README, "Modules"): the node does not
 * depend on the client SDK, the simulation reaches into the node only through the parts it hosts, no package depends
 * on itself through others, and no class grows past {@value #MAX_LINES} lines. Run alone with
 * {@code ./mvnw -q -o -pl integration-tests -am verify -Dtest=ArchitectureTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ArchitectureTest {
  static final int MAX_LINES = 400;

  /** The node packages {@code tandem simulate} hosts: the node's own endpoint, evidence code, runner and faults. */
  static final Set<String> SIM_HOSTS = Set.of("dev.tandem.node.api", "dev.tandem.node.evidence",
      "dev.tandem.node.hosting", "dev.tandem.node.fault", "dev.tandem.node.store", "dev.tandem.node.observe");

  /**
   * Main classes still over the limit, with the size they may not grow past: each is to be split, and leaves this
   * list when it is. A class not listed may not pass {@value #MAX_LINES} lines. Empty now: every main class is within
   * the limit.
   */
  static final Map<String, Integer> NOT_YET_SPLIT = Map.of();

  /** Package cycles not yet broken (each named by its packages); empty now, so any cycle fails the test. */
  static final Set<Set<String>> KNOWN_CYCLES = Set.of();

  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+?)(?:\\.\\*)?;",
      Pattern.MULTILINE);
  /** A fully qualified use in code, such as {@code dev.tandem.node.fault.Fault.NONE}. */
  private static final Pattern QUALIFIED = Pattern.compile("\\b(dev\\.tandem(?:\\.[a-z]\\w*)+\\.[A-Z]\\w*)");

  record Source(Path file, String pkg, String text) {}

  static List<Source> sources;
  /** Every main class by its qualified name, to its package. */
  static Map<String, String> classes;

  @BeforeAll
  static void read() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    sources = new ArrayList<>();
    classes = new HashMap<>();
    Path repo = root;
    try (Stream<Path> files = Files.walk(repo)) {
      files.filter(f -> f.toString().endsWith(".java") && repo.relativize(f).toString().contains("/src/main/java/"))
          .filter(f -> !repo.relativize(f).startsWith("clients") && !f.toString().contains("node_modules"))
          .forEach(f -> {
            try {
              String text = Files.readString(f);
              Matcher m = PACKAGE.matcher(text);
              if (m.find()) {
                String name = f.getFileName().toString().replace(".java", "");
                sources.add(new Source(repo.relativize(f), m.group(1), text));
                classes.put(m.group(1) + "." + name, m.group(1));
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    assertThat(sources).as("main sources found under " + repo).hasSizeGreaterThan(100);
  }

  @Test
  void theNodeDoesNotDependOnTheClient() {
    assertThat(filesUnder("node/").filter(s -> dependsOn(s, "dev.tandem.client")).map(Source::file))
        .as("files under node/ that import dev.tandem.client").isEmpty();
  }

  @Test
  void theSimulationReachesTheNodeOnlyThroughThePartsItHosts() {
    List<String> outside = new ArrayList<>();
    filesUnder("sim/").forEach(s -> packagesUsed(s).stream()
        .filter(p -> p.startsWith("dev.tandem.node") && !SIM_HOSTS.contains(p))
        .forEach(p -> outside.add(s.file() + " uses " + p)));
    assertThat(outside).isEmpty();
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (Source s : sources) {
      Set<String> out = graph.computeIfAbsent(s.pkg(), k -> new TreeSet<>());
      packagesUsed(s).stream().filter(p -> !p.equals(s.pkg())).forEach(out::add);
    }
    List<Set<String>> cycles = new Tarjan(graph).cycles();
    assertThat(cycles).as("package cycles (each set of packages reaches itself)")
        .allMatch(KNOWN_CYCLES::contains);
  }

  @Test
  void noMainClassIsOverTheLimit() throws IOException {
    List<String> over = new ArrayList<>();
    for (Source s : sources) {
      long lines = s.text().lines().count();
      int limit = NOT_YET_SPLIT.getOrDefault(s.file().toString(), MAX_LINES);
      if (lines > limit) {
        over.add(s.file() + ": " + lines + " lines (limit " + limit + ")");
      }
    }
    assertThat(over).isEmpty();
  }

  private static Stream<Source> filesUnder(String module) {
    return sources.stream().filter(s -> s.file().toString().startsWith(module));
  }

  private static boolean dependsOn(Source s, String pkgPrefix) {
    return packagesUsed(s).stream().anyMatch(p -> p.equals(pkgPrefix) || p.startsWith(pkgPrefix + "."));
  }

  /** The packages of the main classes {@code s} imports or names in full. */
  static Set<String> packagesUsed(Source s) {
    Set<String> out = new TreeSet<>();
    Matcher i = IMPORT.matcher(s.text());
    while (i.find()) {
      resolve(i.group(1), out);
    }
    Matcher q = QUALIFIED.matcher(s.text());
    while (q.find()) {
      resolve(q.group(1), out);
    }
    return out;
  }

  /** Adds the package of the longest prefix of {@code name} that is a main class (a nested class's outer one). */
  private static void resolve(String name, Set<String> out) {
    String n = name;
    while (!n.isEmpty()) {
      String pkg = classes.get(n);
      if (pkg != null) {
        out.add(pkg);
        return;
      }
      int dot = n.lastIndexOf('.');
      n = dot < 0 ? "" : n.substring(0, dot);
    }
  }

  /** Strongly connected components of more than one package: each is a cycle. */
  static final class Tarjan {
    private final Map<String, Set<String>> graph;
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, Integer> low = new HashMap<>();
    private final List<String> stack = new ArrayList<>();
    private final Set<String> onStack = new TreeSet<>();
    private final List<Set<String>> cycles = new ArrayList<>();

    Tarjan(Map<String, Set<String>> graph) {
      this.graph = graph;
    }

    List<Set<String>> cycles() {
      graph.keySet().forEach(n -> {
        if (!index.containsKey(n)) {
          visit(n);
        }
      });
      return cycles;
    }

    private void visit(String n) {
      index.put(n, index.size());
      low.put(n, index.get(n));
      stack.add(n);
      onStack.add(n);
      for (String w : graph.getOrDefault(n, Set.of())) {
        if (!index.containsKey(w)) {
          visit(w);
          low.put(n, Math.min(low.get(n), low.get(w)));
        } else if (onStack.contains(w)) {
          low.put(n, Math.min(low.get(n), index.get(w)));
        }
      }
      if (low.get(n).equals(index.get(n))) {
        Set<String> component = new TreeSet<>();
        String w;
        do {
          w = stack.remove(stack.size() - 1);
          onStack.remove(w);
          component.add(w);
        } while (!w.equals(n));
        if (component.size() > 1) {
          cycles.add(component);
        }
      }
    }
  }
}
