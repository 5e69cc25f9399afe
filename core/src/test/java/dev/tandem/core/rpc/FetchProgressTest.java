package dev.tandem.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Progress lines of a download by CID: none for one that ends within the quiet time, then bytes of the total at most
 * once a second and a last line; and over real HTTP, both as the client's transport and as a node's gateway fetch
 * read a body that a slow source sends in pieces.
 */
class FetchProgressTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong now = new AtomicLong();
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private HttpServer server;
  private byte[] file;

  private FetchProgress progress() {
    return new FetchProgress("fetching module x from http://n", lines::add, now::get, Duration.ofSeconds(2));
  }

  @Test
  void aFetchThatEndsWithinTheQuietTimeSaysNothing() {
    FetchProgress p = progress();
    for (int i = 1; i <= 19; i++) {
      now.set(i * 100 * MS);
      p.received(i * 100_000L, 2_000_000);
    }
    p.done(2_000_000);
    assertThat(lines).isEmpty();
  }

  @Test
  void aLongFetchTellsBytesOfTheTotalAtMostOnceASecondThenHowLongItTook() {
    FetchProgress p = progress();
    for (int i = 1; i <= 45; i++) { // 4.5 s, a piece every 100 ms
      now.set(i * 100 * MS);
      p.received(i * 100_000L, 4_500_000);
    }
    p.done(4_500_000);
    assertThat(lines).containsExactly(
        "fetching module x from http://n: 2.0 MB of 4.5 MB (44%)",
        "fetching module x from http://n: 3.0 MB of 4.5 MB (66%)",
        "fetching module x from http://n: 4.0 MB of 4.5 MB (88%)",
        "fetching module x from http://n: 4.5 MB in 4.5 s");
  }

  @Test
  void withoutADeclaredLengthItTellsTheBytesSoFar() {
    FetchProgress p = progress();
    now.set(2500 * MS);
    p.received(812, -1);
    assertThat(lines).containsExactly("fetching module x from http://n: 812 B so far");
  }

  @BeforeEach
  void slowSource() throws Exception {
    file = new byte[600_000];
    new Random(1).nextBytes(file);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    // Six pieces half a second apart: about three seconds in all, longer than the quiet time.
    server.createContext("/", ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.sendResponseHeaders(200, file.length);
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 6; i++) {
          out.write(file, i * 100_000, 100_000);
          out.flush();
          Thread.sleep(500);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI source() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void theClientsTransportTellsASlowDownloadAsItArrives() throws Exception {
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      FetchProgress p = new FetchProgress("fetching module x from " + source(), lines::add);
      Transport.Reply reply = Transport.http(http).send(Transport.Request.get(URI.create(source() + "/ipfs/x"),
          Duration.ofSeconds(30)).progress(p)).get();
      p.done(reply.body().length);
      assertThat(reply.body()).isEqualTo(file);
    }
    assertThat(lines).isNotEmpty();
    assertThat(lines.get(0)).matches("fetching module x from http://127\\.0\\.0\\.1:\\d+: [\\d.]+ KB of 600\\.0 KB "
        + "\\(\\d+%\\)");
    assertThat(lines.get(lines.size() - 1)).matches(".*: 600\\.0 KB in \\d+\\.\\d s");
  }

  @Test
  void aNodesGatewayFetchTellsASlowDownload() throws Exception {
    Cid cid = Cid.rawSha256(file);
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      byte[] got = GatewayFetch.fetch(http, List.of(source()), cid, 1 << 20, Duration.ofSeconds(30),
          GatewayFetch.Keep.NOTHING, lines::add);
      assertThat(got).isEqualTo(file);
    }
    assertThat(lines).isNotEmpty().allMatch(l -> l.startsWith("fetching " + cid + " from " + source() + ": "));
    assertThat(lines.get(lines.size() - 1)).matches(".*: 600\\.0 KB in \\d+\\.\\d s");
  }
}
