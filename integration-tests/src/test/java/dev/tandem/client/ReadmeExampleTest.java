package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.it.SharedPool;
import dev.tandem.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's SDK example runs against real nodes, and the documentation shows exactly the code that runs:
 * {@code docs/sdk-example.md} always, README.md once it has a fenced block marked {@code <!-- sdk-example -->}.
 */
class ReadmeExampleTest {
  static final String MARKER = "<!-- sdk-example -->";
  @TempDir Path tmp;

  @Test
  void theExampleRunsAgainstRealNodes() throws Exception {
    JsonNode result = ReadmeExample.callEcho(SharedPool.bootstrap(), tmp.resolve("scores.json"));
    assertThat(result).isEqualTo(Json.parse("{\"hello\":\"tandem\"}"));
    assertThat(Files.readString(tmp.resolve("scores.json"))).contains("ed25519:");
  }

  @Test
  void docsShowTheCompiledExampleVerbatim() throws Exception {
    Path doc = TestFiles.repoRoot().resolve("docs/sdk-example.md");
    assertThat(fencedBlockAfterMarker(Files.readString(doc))).as(doc.toString()).isEqualTo(example());
  }

  @Test
  void readmeShowsTheCompiledExampleVerbatimOnceItHasTheBlock() throws Exception {
    String readme = Files.readString(TestFiles.repoRoot().resolve("README.md"));
    assumeTrue(readme.contains(MARKER), "README.md has no " + MARKER + " block yet");
    assertThat(fencedBlockAfterMarker(readme)).as("README.md").isEqualTo(example());
  }

  /** The code between the markers in ReadmeExample.java, without its indentation. */
  static String example() throws Exception {
    String source = Files.readString(TestFiles.repoRoot()
        .resolve("integration-tests/src/test/java/dev/tandem/client/ReadmeExample.java"));
    int start = source.indexOf("// sdk-example:start\n") + "// sdk-example:start\n".length();
    int end = source.lastIndexOf("\n", source.indexOf("// sdk-example:end"));
    List<String> lines = Arrays.asList(source.substring(start, end).split("\n", -1));
    int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
        .min().orElse(0);
    return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
  }

  static String fencedBlockAfterMarker(String markdown) {
    Matcher m = Pattern.compile(Pattern.quote(MARKER) + "\\s*\\n```java\\n(.*?)\\n```", Pattern.DOTALL)
        .matcher(markdown);
    assertThat(m.find()).as("a ```java block right after " + MARKER).isTrue();
    return m.group(1);
  }
}
