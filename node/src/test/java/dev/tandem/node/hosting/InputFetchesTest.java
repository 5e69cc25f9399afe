package dev.tandem.node.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import dev.tandem.node.ipfs.BlockStore;
import dev.tandem.node.ipfs.ContentFetcher;
import dev.tandem.node.modules.ModuleFetcher;
import dev.tandem.node.modules.ModuleStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call that names an input by CID costs its sender nothing: the node's fetching of it is bounded by a deadline per
 * call, a few slots for the whole node, and a memory of CIDs that no source had.
 */
class InputFetchesTest {
  @TempDir Path dir;
  HttpServer server;
  final AtomicInteger asked = new AtomicInteger();
  final CountDownLatch stalling = new CountDownLatch(1);
  BlockStore blocks;
  ModuleFetcher fetcher;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/stall/", ex -> { // sends nothing, ever
      stalling.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    server.createContext("/none/", ex -> { // has nothing
      asked.incrementAndGet();
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    }));
    server.start();
    blocks = new BlockStore(dir.resolve("blocks"), dir.resolve("cache"), 1 << 20);
    fetcher = new ModuleFetcher(new ModuleStore(dir.resolve("modules"), blocks),
        new ContentFetcher(blocks, HttpClient.newHttpClient()), List::of);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  URI source(String kind) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + kind + "/");
  }

  static Cid someCid() {
    return Cid.rawSha256(java.util.UUID.randomUUID().toString().getBytes());
  }

  @Test
  void aSourceThatStallsCostsTheCallItsDeadlineNotTheSourcesTimeout() {
    InputFetches inputs = new InputFetches(fetcher, 4, Duration.ofMillis(900));
    long start = System.nanoTime();
    assertThatThrownBy(() -> inputs.fetch(1000, List.of(someCid()), () -> List.of(source("stall"))))
        .isInstanceOf(IOException.class).hasMessageContaining("not fetched within");
    // Before, each source had 30 s for its headers.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void withEverySlotTakenAFetchIsRefusedAtOnceWhileInputsHereAreStillRead() throws Exception {
    InputFetches inputs = new InputFetches(fetcher, 1, Duration.ofSeconds(20));
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
      try {
        inputs.fetch(1000, List.of(someCid()), () -> List.of(source("stall")));
      } catch (IOException e) {
        // expected once the test ends
      }
    });
    assertThat(stalling.await(10, TimeUnit.SECONDS)).isTrue();
    long start = System.nanoTime();
    assertThatThrownBy(() -> inputs.fetch(1000, List.of(someCid()), () -> List.of(source("none"))))
        .isInstanceOf(InputFetches.BusyException.class).hasMessageContaining("overloaded");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(asked).hasValue(0);

    byte[] here = "an input this node holds".getBytes();
    blocks.cache(Cid.rawSha256(here), here);
    var read = inputs.fetch(1000, List.of(Cid.rawSha256(here)), () -> List.of(source("stall")));
    assertThat(read.count()).isEqualTo(1);
    first.cancel(true);
  }

  @Test
  void aCidThatNoSourceHadIsNotAskedForAgainForAMinute() {
    InputFetches inputs = new InputFetches(fetcher, 4, Duration.ofSeconds(5));
    Cid cid = someCid();
    assertThatThrownBy(() -> inputs.fetch(1000, List.of(cid), () -> List.of(source("none"))))
        .isInstanceOf(IOException.class).hasMessageContaining("could not be fetched");
    assertThat(asked).hasValue(1);
    assertThatThrownBy(() -> inputs.fetch(1000, List.of(cid), () -> List.of(source("none"))))
        .isInstanceOf(IOException.class).hasMessageContaining("no source had it");
    assertThat(asked).hasValue(1);
  }
}
