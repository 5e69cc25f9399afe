package dev.tandem.cli.reliability;

import dev.tandem.cli.Main;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * How to start a node JVM: an optional command prefix ({@code ip netns exec NS}), JVM options, and the class path.
 * Tests that start many short-lived nodes take {@link #withSharedArchive}: a class-data archive of everything a node
 * loads cuts about a third off every start, which over 50 restarts is most of a minute.
 *
 * @param prefix    run before java (for example {@code ip netns exec NS}); empty for none
 * @param options   JVM options
 * @param classPath the class path
 */
record NodeLauncher(List<String> prefix, List<String> options, String classPath) {
  /**
   * C1 only and the serial collector start about twice as fast on a small machine, and a node in a test never runs
   * long enough for C2 to pay off.
   */
  static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m",
      "-Xmx256m");

  /** This test JVM's class path and the fast-start options, no prefix. */
  static NodeLauncher local() {
    return new NodeLauncher(List.of(), FAST_START, System.getProperty("java.class.path"));
  }

  NodeLauncher withPrefix(List<String> p) {
    return new NodeLauncher(List.copyOf(p), options, classPath);
  }

  /** The full command for {@code tandem node ARGS...}. */
  List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(options);
    cmd.addAll(List.of("-cp", classPath, Main.class.getName(), "node"));
    cmd.addAll(args);
    return cmd;
  }

  /**
   * This launcher with a dynamic class-data archive made in {@code work}: class-path folders are packed into jars
   * (the JVM archives classes from jars only), then {@code train} runs against a node started with
   * {@code -XX:ArchiveClassesAtExit} and stopped cleanly, which writes the archive. When no archive comes out, this
   * launcher is returned unchanged: the archive only saves time.
   */
  NodeLauncher withSharedArchive(Path work, Consumer<NodeLauncher> train) throws IOException {
    Files.createDirectories(work);
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String e : classPath.split(java.io.File.pathSeparator)) {
      Path p = Path.of(e);
      if (Files.isDirectory(p)) {
        Path jar = work.resolve("cp" + n++ + ".jar");
        pack(p, jar);
        entries.add(jar.toString());
      } else if (Files.exists(p)) {
        entries.add(e);
      }
    }
    String jars = String.join(java.io.File.pathSeparator, entries);
    Path archive = work.resolve("node.jsa");
    List<String> dump = new ArrayList<>(options);
    dump.add("-XX:ArchiveClassesAtExit=" + archive);
    train.accept(new NodeLauncher(prefix, dump, jars));
    if (!Files.exists(archive)) {
      System.out.println("NodeLauncher: no class-data archive was written; starting nodes without one");
      return this;
    }
    System.out.printf("NodeLauncher: class-data archive of %d MB%n", Files.size(archive) >> 20);
    List<String> use = new ArrayList<>(options);
    use.add("-XX:SharedArchiveFile=" + archive);
    use.add("-Xlog:cds=off"); // a stale archive only costs time: say nothing
    return new NodeLauncher(prefix, use, jars);
  }

  private static void pack(Path dir, Path jar) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
          if (!d.equals(dir)) {
            j.putNextEntry(new JarEntry(dir.relativize(d).toString().replace('\\', '/') + "/"));
            j.closeEntry();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
          j.putNextEntry(new JarEntry(dir.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, j);
          j.closeEntry();
          return FileVisitResult.CONTINUE;
        }
      });
    }
  }
}
