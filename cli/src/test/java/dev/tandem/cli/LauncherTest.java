package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./tandem} launcher explains what to install when it finds no JDK 21 or newer. */
class LauncherTest {
  @TempDir Path tmp;

  @Test
  void withOnlyJdk17ItSaysJdk21IsNeededAndHowToGetIt() throws Exception {
    Path jdk17 = tmp.resolve("jvm/fake-17");
    Files.createDirectories(jdk17.resolve("bin"));
    for (String tool : new String[] {"java", "javac"}) {
      Path exe = jdk17.resolve("bin/" + tool);
      Files.writeString(exe, "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
      Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Path root = TestPaths.repoRoot();
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("tandem").toString(), "--help");
    pb.environment().put("JAVA_HOME", jdk17.toString());
    pb.environment().put("TANDEM_JDK_SEARCH", tmp.resolve("jvm").toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(3);
    assertThat(out).contains("JDK 21 or newer is needed").contains("JDK 17").contains("apt-get install");
  }
}
