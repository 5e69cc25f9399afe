package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.client.referee.ModuleCache;
import dev.tandem.client.verify.Verifier;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.sandbox.Sandbox;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's {@link Verifiers} against a node serving verifier modules, one of which it sends only when the test
 * lets it: a source may trickle a module for its whole download time.
 */
class VerifiersTest {
  static final byte[] EQUAL = TestFiles.read("services/verifiers/equal/equal.wasm");
  static final byte[] MAJORITY = TestFiles.read("services/verifiers/majority/majority.wasm");

  /** Modules the node serves, by CID; the others it does not have. */
  final Map<String, byte[]> served = new ConcurrentHashMap<>();
  /** How often each module was asked for. */
  final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
  /** The module whose download stalls, and the latches of that stall. */
  volatile String stalled;
  final CountDownLatch stallBegun = new CountDownLatch(1);
  final CountDownLatch stallEnds = new CountDownLatch(1);
  HttpServer server;
  ExecutorService callers;
  HttpClient http;
  Sandbox sandbox;
  Verifiers verifiers;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor()); // a stalled download holds only itself
    server.createContext("/ipfs/", ex -> {
      String cid = ex.getRequestURI().getPath().substring("/ipfs/".length());
      asked.computeIfAbsent(cid, c -> new AtomicInteger()).incrementAndGet();
      if (cid.equals(stalled)) {
        stallBegun.countDown();
        try {
          stallEnds.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = served.get(cid);
      if (body == null) {
        ex.sendResponseHeaders(404, -1);
      } else {
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    callers = Executors.newVirtualThreadPerTaskExecutor();
    http = HttpClient.newHttpClient();
    sandbox = Sandbox.builder().threads(1).build();
    verifiers = new Verifiers(() -> sandbox,
        new ModuleCache(null, ModuleCache.over(Transport.http(http), Duration.ofSeconds(30))));
  }

  @AfterEach
  void stop() {
    stallEnds.countDown();
    server.stop(0);
    callers.shutdownNow();
    http.close();
    sandbox.close();
  }

  List<URI> sources() {
    return List.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
  }

  static ServiceRecord judgedBy(String verifier) {
    return ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {1})).verifier(verifier)
        .createdAt(1).sign(KeyPair.generate());
  }

  Future<Verifier> load(String verifier) {
    return callers.submit(() -> verifiers.forService(judgedBy(verifier), this::sources));
  }

  static String id(byte[] module) {
    return Cid.rawSha256(module).toString();
  }

  /**
   * A download of one verifier trickles for its whole download time; meanwhile a call judged by another verifier gets
   * its own. The other one's id falls into the same bin of a fresh hash map as the stalled one's, so a load done
   * under the map's lock of that bin would hold it too.
   */
  @Test
  void aVerifierLoadsWhileAnotherOnesDownloadIsStalled() throws Exception {
    String a = id(EQUAL);
    byte[] other = sameBinAs(a, MAJORITY);
    String b = id(other);
    served.put(a, EQUAL);
    served.put(b, other);
    stalled = a;
    Future<Verifier> first = load(a);
    assertThat(stallBegun.await(10, TimeUnit.SECONDS)).as("the download of " + a + " began").isTrue();
    assertThat(load(b).get(30, TimeUnit.SECONDS).id()).isEqualTo(b);
    assertThat(first).as("still downloading").isNotDone();
    stallEnds.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).id()).isEqualTo(a);
  }

  /**
   * Callers of a verifier being downloaded wait for that download rather than each starting their own, and a waiter
   * whose thread is interrupted stops waiting.
   */
  @Test
  void concurrentCallersOfOneVerifierShareOneDownload() throws Exception {
    String a = id(EQUAL);
    served.put(a, EQUAL);
    stalled = a;
    Future<Verifier> first = load(a);
    assertThat(stallBegun.await(10, TimeUnit.SECONDS)).isTrue();
    Waiter second = waitingCaller(a);
    Waiter impatient = waitingCaller(a);
    impatient.thread().interrupt();
    assertThatThrownBy(() -> impatient.result().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(UnverifiableException.class).cause().hasMessageContaining("interrupted");
    assertThat(first).as("still downloading").isNotDone();
    stallEnds.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).id()).isEqualTo(a);
    assertThat(second.result().get(30, TimeUnit.SECONDS)).isSameAs(first.get());
    assertThat(asked.get(a).get()).as("downloads of " + a).isEqualTo(1);
    assertThat(verifiers.forService(judgedBy(a), this::sources)).isSameAs(first.get());
  }

  /**
   * Callers waiting on a download that fails share its failure instead of each trying again at once; the failed load
   * is not kept, so a later call fetches anew.
   */
  @Test
  void aFailedLoadFailsItsWaitersOnceAndALaterCallTriesAgain() throws Exception {
    String a = id(EQUAL);
    stalled = a; // and not served: the node answers 404 once it stops stalling
    Future<Verifier> first = load(a);
    assertThat(stallBegun.await(10, TimeUnit.SECONDS)).isTrue();
    Waiter second = waitingCaller(a);
    stallEnds.countDown();
    for (Future<Verifier> call : List.of(first, second.result())) {
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(UnverifiableException.class)
          .cause().hasMessageStartingWith("verifier module " + a + " could not be fetched");
    }
    assertThat(asked.get(a).get()).as("downloads of " + a).isEqualTo(1);

    served.put(a, EQUAL);
    assertThat(verifiers.forService(judgedBy(a), this::sources).id()).isEqualTo(a);
    assertThat(asked.get(a).get()).isEqualTo(2);
  }

  record Waiter(Thread thread, CompletableFuture<Verifier> result) {}

  /** A caller of {@code verifier} that is waiting (on the load under way, if all goes well) when this returns. */
  private Waiter waitingCaller(String verifier) throws InterruptedException {
    CompletableFuture<Verifier> result = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        result.complete(verifiers.forService(judgedBy(verifier), this::sources));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.BLOCKED
        && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    Thread.sleep(200); // a caller that started a download of its own would have asked the node by now
    assertThat(asked.get(verifier).get()).as("downloads of " + verifier + " under way").isEqualTo(1);
    return new Waiter(t, result);
  }

  /**
   * {@code module} with a custom section (which every Wasm engine skips) chosen so that its CID falls into the same
   * bin of a 16-bin {@code ConcurrentHashMap} as {@code id}.
   */
  static byte[] sameBinAs(String id, byte[] module) {
    for (int i = 0; ; i++) {
      byte[] name = ("pad" + i).getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(module);
      out.write(0); // custom section
      out.write(1 + name.length); // its size: the name's length (one byte) and the name
      out.write(name.length);
      out.writeBytes(name);
      byte[] padded = out.toByteArray();
      if (bin(id(padded)) == bin(id)) {
        return padded;
      }
    }
  }

  private static int bin(String key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & 15;
  }
}
