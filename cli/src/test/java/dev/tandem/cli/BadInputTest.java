package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import dev.tandem.registry.evm.EthKeyFile;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the real {@code tandem} command: one line on stderr that starts with the command as typed and
 * names the option or file, exit code 2 for bad input and 1 for a failed job, nothing on stdout, and no side effect
 * (no file, folder, key or record created). Every case runs in this JVM through the command's entry point (a JVM
 * each would take minutes); a few run again as real processes, which also shows that client commands keep the SDK's
 * log lines off stderr.
 */
class BadInputTest {
  /** Stands for the case's own folder in file arguments: the cases in this JVM share one working directory. */
  static final String W = "@W/";
  /** The cases that also run as a process of their own, by their arguments: one of each kind. */
  static final List<java.util.function.Predicate<String>> AS_PROCESS = List.of(
      args -> args.equals("frobnicate"),
      args -> args.equals("call"),
      args -> args.startsWith("keygen --out /nonexistent"),
      args -> args.equals("node --data-dir " + W + "afile"),
      // a port in use: no Jetty lines, no stack trace, nothing created (statics are read when the test runs)
      args -> args.equals("node --data-dir " + W + "n1 --listen 127.0.0.1:" + BadInputTest.busy.getLocalPort()),
      args -> args.equals("demo --base-port " + BadInputTest.busy.getLocalPort() + " --dir " + W + "demo-net"),
      args -> args.startsWith("call --node") && args.endsWith("digest {}"), // the SDK's logs stay off stderr
      args -> args.startsWith("service register") && args.endsWith("--module " + W + "notwasm.wasm"));
  /** Nothing listens here: a node (or chain) that is down. */
  static String down;
  static ServerSocket busy;
  @TempDir static Path dir;
  static String whisper;
  static String whisperId;

  record Case(int exit, String mustName, String... args) {}

  @BeforeAll
  static void fixtures() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      down = "http://127.0.0.1:" + s.getLocalPort();
    }
    busy = new ServerSocket(0);
    Path root = TestPaths.repoRoot();
    whisper = root.resolve("services/whisper/whisper.wasm").toString();
    whisperId = Cid.rawSha256(Files.readAllBytes(Path.of(whisper))).toString();
    run(dir, List.of("keygen", "--out", "o.key"));
    Files.writeString(dir.resolve("notwasm.wasm"), "not a module\n");
    Files.writeString(dir.resolve("afile"), "x\n");
    Files.writeString(dir.resolve("bad.conf"), "# a node's flags\nlisten = 127.0.0.1:0\nno-such-flag = 1\n");
    Files.writeString(dir.resolve("admin.token"), "t0ken\n");
    Files.createDirectory(dir.resolve("adir"));
    EthKeyFile.generate(dir.resolve("eth.key"));
  }

  static List<Case> table() {
    String[] reg = {"service", "register", "--node", down, "--key", W + "o.key", "--name", "w"};
    return List.of(
        // the rows of the issue
        new Case(2, "--module", cat(reg, "--module", W + "notwasm.wasm")),
        new Case(1, "cannot reach node at " + down, cat(reg, "--module", whisper)),
        new Case(1, "cannot reach node at " + down, "scores", "--node", down),
        new Case(1, "cannot reach node at " + down, "services", "--node", down),
        new Case(1, "cannot reach", "call", "--node", down, "whisper", "digest", "{}"),
        new Case(2, "--verifier", cat(reg, "--module", whisper, "--verifier", "builtin:bogus")),
        new Case(2, "not-a-url", cat(reg, "--module", whisper, "--home", "not-a-url")),
        new Case(2, "--data-dir", "node", "--data-dir", W + "afile"),
        new Case(2, "--listen", "node", "--data-dir", W + "n1", "--listen", "127.0.0.1:" + busy.getLocalPort()),
        new Case(2, "port " + busy.getLocalPort() + " (server A) is in use", "demo", "--base-port",
            String.valueOf(busy.getLocalPort()), "--dir", W + "demo-net"),
        new Case(2, "--reward", "node", "--data-dir", W + "n1", "--listen", "127.0.0.1:0", "--reward", "alsobogus"),
        new Case(2, "--offer", "node", "--data-dir", W + "n1", "--listen", "127.0.0.1:0", "--offer", "bogus"),
        new Case(2, "PARAMS_JSON", "call", "--node", down, "whisper", "digest", "[1,2"),
        new Case(2, "--timeout", "call", "--node", down, "whisper", "digest", "--timeout", "-1"),
        new Case(1, "cannot reach the Ethereum node", "registry", "deploy", "--rpc", down, "--eth-key", W + "eth.key"),
        new Case(2, "adir", "cid", W + "adir"),
        new Case(2, "--out", "keygen", "--out", "/nonexistent-tandem/dir/k.key"),
        new Case(2, "SERVICE", "call"),
        // more of our own
        new Case(2, "frobnicate", "frobnicate"),
        new Case(2, "--bogus", "call", "--bogus", "x", "y"),
        new Case(2, "already exists", "keygen", "--out", W + "o.key"),
        new Case(2, "already exists", "keygen", "--eth", "--out", W + "eth.key"),
        new Case(2, "--key", "service", "register", "--node", down, "--key", W + "missing.key", "--name", "w",
            "--module", whisper),
        new Case(2, "--key", "service", "register", "--node", down, "--key", W + "afile", "--name", "w",
            "--module", whisper),
        new Case(2, "--abi", cat(reg, "--module", whisper, "--abi", "bogus")),
        new Case(2, "--verifier-module", cat(reg, "--module", whisper, "--verifier-module", W + "notwasm.wasm")),
        new Case(2, "--spot-check", "call", "--node", down, "whisper", "digest", "--spot-check", "2"),
        new Case(2, "--max-requests", "call", "--node", down, "whisper", "digest", "--max-requests", "0"),
        new Case(2, "--timeout", "call", "--node", down, "whisper", "digest", "--timeout", "soon"),
        new Case(2, "PARAMS_JSON", "call", "--node", down, "whisper", "digest", "42"),
        new Case(2, "--unsafe-fault", "node", "--data-dir", W + "n1", "--listen", "127.0.0.1:0", "--unsafe-fault", "x"),
        new Case(2, "--listen", "node", "--data-dir", W + "n1", "--listen", "nonsense"),
        new Case(2, "--peer", "node", "--data-dir", W + "n1", "--peer", "not-a-url"),
        new Case(2, "--evidence-sync-interval-ms", "node", "--data-dir", W + "n1", "--evidence-sync-interval-ms", "-1"),
        new Case(2, "--cid-version", "cid", "--kubo", "--cid-version", "2", W + "afile"),
        new Case(2, "missing.wasm", "run-module", W + "missing.wasm", "--method", "m"),
        new Case(2, "--calls", "demo", "--calls", "0", "--dir", W + "demo-net"),
        new Case(2, "--base-port", "demo", "--base-port", "-1", "--dir", W + "demo-net"),
        new Case(2, "leaves no room", "demo", "--base-port", "65534", "--dir", W + "demo-net"),
        new Case(2, "--nodes", "bench", "network", "--nodes", "1"),
        new Case(2, "--node", "scores", "--node", "not-a-url"),
        new Case(2, "SERVICE", "offer", "not a name!", "--node", down, "--token-file", W + "admin.token"),
        new Case(2, "--token-file", "offer", whisperId, "--node", down, "--token-file", W + "missing.token"),
        new Case(2, "--token-file", "offer", whisperId, "--node", down),
        new Case(1, "cannot reach node at " + down, "offer", whisperId, "--node", down, "--token-file",
            W + "admin.token"),
        new Case(1, "cannot reach node at " + down, "status", "--node", down),
        new Case(2, "nosuch", "help", "nosuch"),
        new Case(2, "--data-dir", "node", "--listen", "127.0.0.1:0"),
        new Case(2, "--config", "node", "--config", W + "missing.conf"),
        new Case(2, "no-such-flag", "node", "--config", W + "bad.conf", "--data-dir", W + "n1"),
        new Case(2, "--registry", "services", "--registry", "evm:nonsense"),
        new Case(2, "--registry", "servers"),
        new Case(2, "--log-format", "status", "--node", down, "--log-format", "xml"));
  }

  @Test
  void everyBadInputIsOneLineNamingTheCulpritWithTheRightExitCodeAndNoSideEffect() throws Exception {
    List<Case> cases = table();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) { // in this JVM, one after the other: they share System.out and err
      Path work = copyFixtures(dir.resolve("case" + i));
      String why = verdict(cases.get(i), work, BadInputTest::runHere);
      if (why != null) {
        failures.add(why);
      }
    }
    assertThat(failures).as("cases that failed in this JVM").isEmpty();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(2 * 15);
  }

  @Test
  void aFewRunAsProcessesOfTheirOwn() throws Exception {
    List<Case> cases = table().stream().filter(c -> AS_PROCESS.stream().anyMatch(
        p -> p.test(String.join(" ", c.args())))).toList();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    List<java.util.concurrent.Future<String>> verdicts = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      Path work = copyFixtures(dir.resolve("process" + i));
      verdicts.add(pool.submit(() -> verdict(c, work, BadInputTest::run)));
    }
    List<String> failures = new ArrayList<>();
    for (var v : verdicts) {
      if (v.get() != null) {
        failures.add(v.get());
      }
    }
    pool.shutdown();
    assertThat(failures).as("cases that failed as processes").isEmpty();
    assertThat(cases).hasSize(AS_PROCESS.size());
  }

  interface Runner {
    Result run(Path work, List<String> args) throws Exception;
  }

  private static String verdict(Case c, Path work, Runner runner) throws Exception {
    TreeSet<String> before = tree(work);
    Result r = runner.run(work, List.of(c.args()));
    List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
    String prefix = "tandem " + (c.args().length > 1 && List.of("service", "registry", "bench")
        .contains(c.args()[0]) ? c.args()[0] + " " + c.args()[1] : c.args().length == 0 ? "" : c.args()[0]);
    String why = lines.size() != 1 ? lines.size() + " lines on stderr"
        : r.code() != c.exit() ? "exit " + r.code() + ", expected " + c.exit()
        : !lines.get(0).startsWith(c.args()[0].equals("frobnicate") ? "tandem:" : prefix + ": ") ? "prefix"
        : !lines.get(0).contains(c.mustName().replace(W, "")) ? "does not name " + c.mustName()
        : lines.get(0).matches(".*(Exception|\\tat |\\[Source).*") ? "Java internals"
        : !r.out().isEmpty() ? "stdout: " + r.out()
        : !tree(work).equals(before) ? "side effect: " + diff(before, tree(work))
        : Files.exists(Path.of("/nonexistent-tandem")) ? "created /nonexistent-tandem" : null;
    return why == null ? null : String.join(" ", c.args()) + "\n    -> " + why + ": " + r.err().strip();
  }

  /**
   * One case through {@link Main#commandLine()} in this JVM, as {@link Main#main} runs it, with the case's folder
   * as home and its files named by absolute path. The SDK's log lines, which the real command keeps to errors
   * for client commands, are left out here; the cases run as processes check that.
   */
  private static Result runHere(Path work, List<String> args) {
    java.io.PrintStream oldOut = System.out;
    java.io.PrintStream oldErr = System.err;
    String oldHome = System.getProperty("user.home");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    try {
      System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
      System.setProperty("user.home", work.toString());
      int code = Main.commandLine().execute(args.stream().map(a -> a.replace(W, work + "/")).toArray(String[]::new));
      String errText = err.toString(StandardCharsets.UTF_8).lines()
          .filter(l -> !l.matches("\\d{4}-\\d\\d-\\d\\dT\\S+ \\[.*\\] (TRACE|DEBUG|INFO|WARN) .*"))
          .collect(java.util.stream.Collectors.joining("\n"));
      return new Result(code, out.toString(StandardCharsets.UTF_8), errText);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setProperty("user.home", oldHome);
    }
  }

  private static Path copyFixtures(Path work) throws IOException {
    Files.createDirectories(work);
    for (String f : List.of("o.key", "notwasm.wasm", "afile", "bad.conf", "admin.token", "eth.key")) {
      Files.copy(dir.resolve(f), work.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    }
    Files.createDirectory(work.resolve("adir"));
    return work;
  }

  @Test
  void nestedHelpWorksOnEveryCommandWithoutWarnings() throws Exception {
    List<List<String>> asks = new ArrayList<>(List.of(List.of("help", "service", "register"), List.of("help",
        "simulate"), List.of("help", "registry", "deploy")));
    commands(Main.commandLine(), List.of(), asks);
    for (List<String> args : asks) {
      boolean process = args.equals(List.of("help", "simulate")) || args.equals(List.of("service", "register",
          "--help"));
      Result r = process ? run(args) : runHere(dir, args);
      assertThat(r.code()).as(args.toString()).isZero();
      assertThat(r.err()).as(args.toString()).isEmpty();
      String name = args.get(0).equals("help") ? String.join(" ", args.subList(1, args.size()))
          : String.join(" ", args.subList(0, args.size() - 1));
      assertThat(r.out()).as(args.toString()).startsWith("Usage: tandem " + name);
    }
    assertThat(asks).hasSizeGreaterThan(25);
  }

  /** {@code COMMAND… --help} for every command and subcommand. */
  private static void commands(picocli.CommandLine cl, List<String> path, List<List<String>> out) {
    cl.getSubcommands().forEach((name, sub) -> {
      if (sub.getCommandSpec().helpCommand() || !sub.getCommandSpec().name().equals(name)) {
        return; // the help command itself; an alias
      }
      List<String> p = new ArrayList<>(path);
      p.add(name);
      List<String> ask = new ArrayList<>(p);
      ask.add("--help");
      out.add(ask);
      commands(sub, p, out);
    });
  }

  record Result(int code, String out, String err) {}

  static Result run(List<String> args) throws IOException, InterruptedException {
    return run(dir, args);
  }

  static Result run(Path work, List<String> args) throws IOException, InterruptedException {
    args = args.stream().map(a -> a.replace(W, "")).toList(); // relative to the process's working directory
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Duser.home=" + work, "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(args);
    Path out = Files.createTempFile("tandem-out", ".txt");
    Path err = Files.createTempFile("tandem-err", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(out.toFile())
          .redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        return new Result(-1, "", "hung: " + args);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static TreeSet<String> tree(Path work) throws IOException {
    try (Stream<Path> s = Files.walk(work)) {
      return s.map(p -> work.relativize(p).toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  private static String diff(TreeSet<String> before, TreeSet<String> after) {
    TreeSet<String> added = new TreeSet<>(after);
    added.removeAll(before);
    return "created " + added;
  }

  private static String[] cat(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }
}
