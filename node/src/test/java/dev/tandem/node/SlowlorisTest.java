package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.TandemClient;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.node.guard.Limit;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris on real nodes: an attacker bound to 127.0.0.2 holds 300 connections, each declaring a 100,000-byte body
 * and trickling it a byte at a time, while an honest caller on 127.0.0.1 keeps asking for {@code /health} and making
 * verified calls. Bodies are read without holding a worker, so honest answers stay fast (p99 under 1 s); the
 * per-address cap closes what one address opens beyond its share.
 */
class SlowlorisTest {
  static final int SLOW_CONNECTIONS = 300;
  @TempDir Path dir;

  /** What the honest caller saw while the attack was on. */
  record Seen(List<Long> healthMs, List<Long> callMs, int held, int failures) {
    static long p99(List<Long> ms) {
      List<Long> sorted = new ArrayList<>(ms);
      Collections.sort(sorted);
      return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
    }
  }

  @Test
  void healthAndVerifiedCallsStayFastWhile300SlowConnectionsAreHeld() throws Exception {
    try (TestNetwork net = new TestNetwork(dir)) {
      // The node under attack lets one address hold all 300, to show that held bodies cost no worker.
      Node a = Node.start(NodeConfig.builder(dir.resolve("a")).listen("127.0.0.1:0")
          .limit(Limit.MAX_CONNECTIONS_PER_ADDRESS, 1000).gossipInterval(Duration.ofMillis(150)).build());
      net.nodes.add(a);
      Node b = net.start("b", List.of(a.url()), dev.tandem.node.fault.Fault.NONE);
      TestNetwork.offerEcho("echo", KeyPair.generate(), a, List.of(a, b));
      Seen seen = attack(a.url(), SLOW_CONNECTIONS, Duration.ofSeconds(6));
      assertThat(seen.held()).as("slow connections held open").isGreaterThanOrEqualTo(SLOW_CONNECTIONS * 9 / 10);
      assertThat(seen.failures()).isZero();
      assertThat(Seen.p99(seen.healthMs())).as("/health p99 ms").isLessThan(1000);
      assertThat(Seen.p99(seen.callMs())).as("verified call p99 ms").isLessThan(1000);
    }
  }

  @Test
  void oneAddressGetsItsShareOfConnectionsAndNoMore() throws Exception {
    try (Node a = Node.start(NodeConfig.builder(dir.resolve("c")).listen("127.0.0.1:0")
        .limit(Limit.MAX_CONNECTIONS_PER_ADDRESS, 20).build())) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 40; i++) {
          sockets.add(slowSocket(a.url()));
        }
        Thread.sleep(500);
        int open = 0;
        for (Socket s : sockets) {
          open += stillOpen(s) ? 1 : 0;
        }
        assertThat(open).isEqualTo(20);
        assertThat(TestNetwork.get(URI.create(a.url() + "/health")).status()).isEqualTo(200);
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  /** Holds {@code connections} slow bodies from 127.0.0.2 for {@code length} while an honest caller measures. */
  static Seen attack(URI node, int connections, Duration length) throws Exception {
    List<Socket> sockets = new ArrayList<>();
    List<Long> health = new ArrayList<>();
    List<Long> calls = new ArrayList<>();
    int failures = 0;
    try {
      for (int i = 0; i < connections; i++) {
        sockets.add(slowSocket(node));
      }
      JsonNode params = Json.parse("{\"honest\":true}");
      try (TandemClient client = TandemClient.builder().bootstrap(List.of(node)).build()) {
        client.service("echo").call("echo", params); // the directory is warm before measuring
        long end = System.nanoTime() + length.toNanos();
        int round = 0;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          if (TestNetwork.get(URI.create(node + "/health")).status() != 200) {
            failures++;
          }
          health.add((System.nanoTime() - t0) / 1_000_000);
          long t1 = System.nanoTime();
          if (!params.equals(client.service("echo").call("echo", params))) {
            failures++;
          }
          calls.add((System.nanoTime() - t1) / 1_000_000);
          if (++round % 10 == 0) {
            for (Socket s : sockets) {
              trickle(s);
            }
          }
        }
      }
      int held = 0;
      for (Socket s : sockets) {
        held += stillOpen(s) ? 1 : 0;
      }
      return new Seen(health, calls, held, failures);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** A connection from 127.0.0.2 that sends its headers and the first byte of a 100,000-byte body. */
  static Socket slowSocket(URI node) throws Exception {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
    s.connect(new InetSocketAddress(node.getHost(), node.getPort()), 2000);
    OutputStream out = s.getOutputStream();
    out.write(("POST /rpc HTTP/1.1\r\nHost: " + node.getHost() + "\r\nContent-Type: application/json\r\n"
        + "Content-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  private static void trickle(Socket s) {
    try {
      s.getOutputStream().write(' ');
      s.getOutputStream().flush();
    } catch (Exception closed) {
      // the node closed it: counted by stillOpen
    }
  }

  /** Whether the node still holds the connection open (a closed one reads end-of-stream or fails). */
  static boolean stillOpen(Socket s) {
    try {
      s.setSoTimeout(20);
      return s.getInputStream().read() >= 0;
    } catch (java.net.SocketTimeoutException e) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
