package dev.tandem.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a fixed workload (search queries, the hostile modules, the WASI probe) and prints one digest of every
 * response and fuel count. Run in separate JVMs and modes, the digest must not change: that is what lets nodes
 * attest results. {@code java -cp <test classpath> dev.tandem.sandbox.DeterminismProbe compiled|interpreted}
 */
public final class DeterminismProbe {
  static final int QUERIES = 200;

  private DeterminismProbe() {}

  public static void main(String[] args) throws Exception {
    boolean compiled = args.length == 0 || !args[0].equals("interpreted");
    Result r = run(compiled);
    System.out.println("digest=" + r.digest() + " calls=" + r.calls());
  }

  record Result(String digest, int calls, List<String> lines) {}

  /** 200 queries made of corpus words, chosen by a fixed seed. */
  static List<byte[]> searchQueries() throws Exception {
    Path corpus = TestSupport.repoRoot().resolve("services/search/corpus.txt");
    TreeSet<String> words = new TreeSet<>();
    Matcher m = Pattern.compile("[A-Za-z0-9]{3,}").matcher(Files.readString(corpus, StandardCharsets.UTF_8));
    while (m.find()) {
      words.add(m.group().toLowerCase(java.util.Locale.ROOT));
    }
    List<String> vocabulary = new ArrayList<>(words);
    Random random = new Random(2024);
    List<byte[]> queries = new ArrayList<>();
    for (int i = 0; i < QUERIES; i++) {
      StringBuilder q = new StringBuilder();
      for (int w = 1 + random.nextInt(3); w > 0; w--) {
        q.append(q.length() == 0 ? "" : " ").append(vocabulary.get(random.nextInt(vocabulary.size())));
      }
      queries.add(TestSupport.request("query", "{\"q\":\"" + q + "\",\"limit\":" + (1 + random.nextInt(10)) + "}"));
    }
    return queries;
  }

  static Result run(boolean compiled) throws Exception {
    List<String> lines = new ArrayList<>();
    try (Sandbox sandbox = Sandbox.builder().threads(2).compiled(compiled).build()) {
      // Generous deadline: this checks determinism, and a slow (interpreted, loaded) machine must not time out.
      Limits limits = Limits.builder().fuel(50_000_000).timeout(java.time.Duration.ofSeconds(60)).build();
      Limits hostileLimits = limits.withFuel(5_000_000);
      ServiceModule search = sandbox.load("search",
          TestSupport.read(TestSupport.repoRoot().resolve("services/search/search.wasm")), Abi.TANDEM_V1);
      for (byte[] query : searchQueries()) {
        lines.add(line(sandbox.call(search, query, limits)));
      }
      for (String[] c : HostileModulesTest.CASES) {
        var wasm = HostileModulesTest.hostile(c[0]);
        if (wasm.isPresent()) {
          ServiceModule m = sandbox.load(c[0], wasm.get(), Abi.TANDEM_V1);
          lines.add(line(sandbox.call(m, TestSupport.request(c[1], "null"), hostileLimits)));
        }
      }
      ServiceModule probe = sandbox.load("probe", TestSupport.fixture("wasi-probe.wasm"), Abi.WASI_COMMAND);
      for (int i = 0; i < 5; i++) {
        lines.add(line(sandbox.call(probe, TestSupport.request("probe", "[" + i + "]"), limits)));
      }
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (String line : lines) {
      sha.update(line.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
    }
    return new Result(HexFormat.of().formatHex(sha.digest()), lines.size(), lines);
  }

  private static String line(Outcome o) {
    if (!(o instanceof Outcome.Deterministic d)) {
      throw new IllegalStateException("non-deterministic outcome in the probe workload: " + o);
    }
    return o.label() + " fuel=" + o.fuel() + " " + new String(d.responseJson(), StandardCharsets.UTF_8);
  }
}
