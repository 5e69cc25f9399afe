package dev.tandem.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node's fetch by CID against a hostile source that sends its answer's headers at once and then trickles the body:
 * the fetch gives up on it once its download time has passed, hangs up, and gets the file from the next source.
 */
class GatewayFetchTest {
  private final byte[] file = "the file".getBytes(StandardCharsets.UTF_8);
  private final CountDownLatch hungUp = new CountDownLatch(1);
  private HttpServer trickling;
  private HttpServer honest;

  @BeforeEach
  void start() throws IOException {
    trickling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    trickling.setExecutor(Executors.newCachedThreadPool());
    trickling.createContext("/", ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.sendResponseHeaders(200, 1_000_000);
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 1_000_000; i++) {
          out.write(0);
          out.flush();
          Thread.sleep(50);
        }
      } catch (IOException e) {
        hungUp.countDown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    trickling.start();
    honest = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    honest.createContext("/", ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.sendResponseHeaders(200, file.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(file);
      }
    });
    honest.start();
  }

  @AfterEach
  void stop() {
    trickling.stop(0);
    honest.stop(0);
  }

  @Test
  @Timeout(60) // without the bound, the fetch would wait for the trickle: 14 hours
  void aSourceThatTricklesIsHungUpOnAndTheNextOneGivesTheFile() throws Exception {
    Cid cid = Cid.rawSha256(file);
    Duration timeout = Duration.ofMillis(200);
    // The download time of a small file is the timeout and a second per 256 KiB of a CAR's allowance: about 4 s.
    Duration allowed = Transport.downloadTime(timeout, file.length + (1 << 20));
    long start = System.nanoTime();
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      byte[] got = GatewayFetch.fetch(http, List.of(url(trickling), url(honest)), cid, 1024, timeout,
          GatewayFetch.Keep.NOTHING);
      assertThat(got).isEqualTo(file);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(allowed.plusSeconds(3));
    assertThat(hungUp.await(10, TimeUnit.SECONDS)).as("the trickling source was hung up on").isTrue();
  }

  @Test
  void theDownloadTimeIsTheTimeoutAndASecondPer256KiB() {
    assertThat(Transport.downloadTime(Duration.ofSeconds(5), 16 << 20)).isEqualTo(Duration.ofSeconds(5 + 64));
    assertThat(Transport.downloadTime(Duration.ofSeconds(5), 0)).isEqualTo(Duration.ofSeconds(5));
    assertThat(Transport.downloadTime(Duration.ofSeconds(5), Long.MAX_VALUE)).isEqualTo(Duration.ofSeconds(5 + 3600));
  }

  private static URI url(HttpServer s) {
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
  }
}
