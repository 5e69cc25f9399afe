package dev.tandem.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.client.NodeClient;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: one node, in its own JVM, is SIGKILLed at a random moment while writers keep storing records, then
 * started again on the same data dir, {@value #DEFAULT_KILLS} times. After every kill, a copy of the files exactly as
 * the dead process left them must pass {@code PRAGMA integrity_check}, hold every write the node acknowledged, and
 * hold only whole, validly signed rows; at the end the real file is checked the same way.
 *
 * <p>The kill moments come from a seeded generator, printed at the start; {@code -Dtandem.crash.seed=N} repeats a
 * schedule ({@code -Dtandem.crash.kills=N} changes the count). Thread timing is the machine's, so a seed repeats the
 * moments, not the exact interleaving.
 */
class CrashLoopTest {
  static final int DEFAULT_KILLS = 50;
  /** Longest load before a kill; the delay is uniform in [0, this). */
  static final long MAX_LOAD_MILLIS = 1500;

  @TempDir Path dir;

  /** Every kind of acknowledged write the node makes durable. A new kind is one more writer here. */
  static List<AckedWriter> writers() {
    List<AckedWriter> all = new ArrayList<>(RecordWriters.all());
    all.addAll(NodeDbWriters.all(checkout().resolve("services/echo/echo.wasm")));
    return all;
  }

  static Path checkout() {
    Path p = Path.of("").toAbsolutePath();
    while (!Files.isRegularFile(p.resolve("services/echo/echo.wasm"))) {
      p = p.getParent();
    }
    return p;
  }

  // A guard against a hang, not a speed target: 50 restarts take about 2 minutes on an idle 2-core box and over 6
  // when the box is shared with other builds.
  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void everyAcknowledgedWriteSurvivesRepeatedKillNine() throws Exception {
    long seed = Long.getLong("tandem.crash.seed", new Random().nextLong());
    int kills = Integer.getInteger("tandem.crash.kills", DEFAULT_KILLS);
    System.out.println("CrashLoopTest: seed " + seed + " (repeat with -Dtandem.crash.seed=" + seed + "), " + kills
        + " kills");
    Random schedule = new Random(seed);
    SplittableRandom content = new SplittableRandom(seed);
    List<AckedWriter> writers = writers();
    Path data = dir.resolve("node");
    Path log = dir.resolve("node.log");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();

    long started = System.nanoTime();
    NodeLauncher launcher = NodeLauncher.local().withSharedArchive(dir.resolve("cds"),
        training -> train(training, dir.resolve("training"), http));
    long startNanos = 0;
    int interrupted = 0; // kills that cut at least one write in flight
    for (int k = 1; k <= kills; k++) {
      long t0 = System.nanoTime();
      NodeJvm node = NodeJvm.start(launcher, data, log, Duration.ofSeconds(60), "--listen", "127.0.0.1:0",
          "--gossip-interval-ms", "200");
      startNanos += System.nanoTime() - t0;
      AckedWriter.Target target = new AckedWriter.Target(new NodeClient(node.url(), null, http,
          Duration.ofSeconds(5)), node.url(), data, http);
      AtomicBoolean killed = new AtomicBoolean();
      AtomicInteger cut = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (AckedWriter w : writers) {
        SplittableRandom random = content.split();
        threads.add(Thread.ofPlatform().name("writer-" + w.name()).start(() -> {
          while (!killed.get()) {
            try {
              w.writeOne(target, random);
            } catch (Exception e) {
              if (killed.get()) {
                cut.incrementAndGet(); // in flight when the node died: not acknowledged, may or may not be stored
              } else {
                pause(); // refused or not ready yet (echo after a restart): try again without spinning
              }
            }
          }
        }));
      }
      long load = schedule.nextLong(MAX_LOAD_MILLIS);
      Thread.sleep(load);
      killed.set(true);
      node.kill9();
      for (Thread t : threads) {
        t.join(10_000);
        assertThat(t.isAlive()).as("writer %s still running 10 s after the kill", t.getName()).isFalse();
      }
      interrupted += cut.get() > 0 ? 1 : 0;
      try {
        checkSnapshot(data, dir.resolve("check"), writers);
      } catch (AssertionError e) {
        throw new AssertionError("after kill " + k + " (seed " + seed + ", load " + load + " ms): " + e.getMessage()
            + "\nnode output:\n" + NodeJvm.tail(log, 30), e);
      }
    }

    // The real files, opened directly now that the process is dead.
    Map<String, Integer> rows = new LinkedHashMap<>();
    for (String file : databases(writers)) {
      try (Connection db = Databases.open(data.resolve(file))) {
        Databases.assertIntact(db, file);
        for (AckedWriter w : writers) {
          if (w.database().equals(file)) {
            w.verify(db);
          }
        }
        if (file.equals("registry.db")) {
          rows.put("records", Databases.assertRecordsValid(db));
        } else if (file.equals("node.db")) {
          rows.put("evidence", Databases.count(db, "evidence"));
          rows.put("convictions", Databases.count(db, "convictions"));
        }
      }
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    StringBuilder report = new StringBuilder("CrashLoopTest: " + kills + " kills in " + seconds + " s (mean start "
        + TimeUnit.NANOSECONDS.toMillis(startNanos / kills) + " ms); " + interrupted
        + " kills cut writes in flight; acknowledged:");
    writers.forEach(w -> report.append(' ').append(w.name()).append('=').append(w.acknowledged()));
    report.append("; rows ").append(rows);
    System.out.println(report);
    writers.forEach(w -> assertThat(w.acknowledged()).as("acknowledged %s", w.name()).isPositive());
    int acked = writers.stream().mapToInt(AckedWriter::acknowledged).sum();
    assertThat(acked).as("acknowledged writes").isGreaterThan(kills * 5);
    assertThat(interrupted).as("kills that landed while writes were in flight").isGreaterThan(kills / 2);
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One clean run of a node that stores a few records, so the class-data archive holds the write path too. */
  static void train(NodeLauncher launcher, Path data, HttpClient http) {
    try (NodeJvm node = NodeJvm.start(launcher, data, data.resolveSibling("training.log"), Duration.ofSeconds(60),
        "--listen", "127.0.0.1:0")) {
      NodeClient client = new NodeClient(node.url(), null, http, Duration.ofSeconds(10));
      AckedWriter.Target target = new AckedWriter.Target(client, node.url(), data, http);
      SplittableRandom random = new SplittableRandom(1);
      for (AckedWriter w : writers()) {
        for (int attempt = 0; attempt < 100; attempt++) { // the echo service takes a moment to be ready
          try {
            w.writeOne(target, random);
            break;
          } catch (Exception notYet) {
            Thread.sleep(50);
          }
        }
      }
      client.records();
    } catch (Exception e) {
      System.out.println("CrashLoopTest: the training run failed (" + e + "); nodes start without an archive");
    }
  }

  static List<String> databases(List<AckedWriter> writers) {
    return List.copyOf(new LinkedHashSet<>(writers.stream().map(AckedWriter::database).toList()));
  }

  /** The checks after one kill, on a copy of the files as the dead process left them. */
  static void checkSnapshot(Path data, Path scratch, List<AckedWriter> writers) throws Exception {
    for (String file : databases(writers)) {
      Path db = data.resolve(file);
      if (!Files.exists(db)) {
        continue; // killed before it was created: then nothing was acknowledged in it either
      }
      Path copy = Databases.snapshot(db, scratch);
      try (Connection c = Databases.open(copy)) {
        Databases.assertIntact(c, file);
        for (AckedWriter w : writers) {
          if (w.database().equals(file)) {
            w.verify(c);
          }
        }
        if (file.equals("registry.db")) {
          Databases.assertRecordsValid(c);
        }
      }
    }
  }
}
