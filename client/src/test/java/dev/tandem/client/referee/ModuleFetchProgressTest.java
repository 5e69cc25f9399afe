package dev.tandem.client.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.rpc.Transport;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The referee's module fetch over the client's HTTP transport tells a slow download's progress to the sink the
 * {@code tandem} command gives (bytes of the total, then the time), and still checks the bytes against the CID.
 */
class ModuleFetchProgressTest {
  @Test
  void aSlowModuleDownloadIsToldAndChecked() throws Exception {
    byte[] module = new byte[500_000];
    new Random(2).nextBytes(module);
    Cid cid = Cid.rawSha256(module);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ipfs/" + cid, ex -> { // five pieces, 600 ms apart: longer than the quiet time
      ex.sendResponseHeaders(200, module.length);
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 5; i++) {
          out.write(module, i * 100_000, 100_000);
          out.flush();
          Thread.sleep(600);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    URI node = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      ModuleCache.Source source = ModuleCache.over(Transport.http(http), Duration.ofSeconds(30), lines::add);
      assertThat(source.fetch(cid, List.of(node))).isEqualTo(module);
    } finally {
      server.stop(0);
    }
    assertThat(lines).isNotEmpty();
    assertThat(lines.get(0)).startsWith("fetching module " + cid + " from " + node + ": ").contains(" of 500.0 KB (");
    assertThat(lines.get(lines.size() - 1)).matches(".*: 500\\.0 KB in \\d+\\.\\d s");
  }
}
