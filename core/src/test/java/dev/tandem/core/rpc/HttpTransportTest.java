package dev.tandem.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP transport over a real server: answers, and the failures a client tells apart; and what is chained on an
 * answer runs on the request's own thread, never on the common fork-join pool (one thread on a 2-core machine, where
 * the checks of one call's answers would otherwise wait for one another).
 */
class HttpTransportTest {
  private HttpServer server;
  private URI base;
  private final Transport transport =
      Transport.http(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
  /** Released by the test: the "/slow" answer waits for it. */
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/echo", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.createContext("/slow", ex -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  @Test
  void aPostGetsItsAnswerAndWhatIsChainedOnItRunsOffTheCommonPool() throws Exception {
    CompletableFuture<Thread> ranOn = new CompletableFuture<>();
    Transport.Reply reply = transport.post(base.resolve("/echo"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5)).whenComplete((r, e) -> ranOn.complete(Thread.currentThread())).get(10, TimeUnit.SECONDS);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    assertThat(reply.contentType()).isEqualTo("application/json");
    Thread thread = ranOn.get(10, TimeUnit.SECONDS);
    assertThat(thread.isVirtual()).as(thread.toString()).isTrue();
    assertThat(thread.getName()).startsWith("tandem-request-");
  }

  @Test
  void anAnswerThatDoesNotComeInTimeIsATimeout() {
    CompletableFuture<Transport.Reply> reply = transport.post(base.resolve("/slow"), new byte[0],
        Duration.ofMillis(200));
    assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class);
  }

  /**
   * A server that drops a kept-alive connection as the client reuses it (here: the first connection answers one
   * request and then hangs up on the next, unanswered): the request goes again on a new connection and gets its answer.
   */
  @Test
  void aKeptAliveConnectionClosedBeforeAnsweringIsRetriedOnANewOne() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    AtomicInteger requests = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofPlatform().daemon().start(() -> {
        while (!listener.isClosed()) {
          try {
            Socket socket = listener.accept();
            int connection = connections.incrementAndGet();
            Thread.ofPlatform().daemon().start(() -> serve(socket, connection, requests));
          } catch (IOException e) {
            return;
          }
        }
      });
      URI url = URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/x");
      for (int i = 0; i < 2; i++) {
        Transport.Reply reply = transport.post(url, "{}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5))
            .get(10, TimeUnit.SECONDS);
        assertThat(reply.status()).isEqualTo(200);
      }
      assertThat(connections.get()).isEqualTo(2);
      assertThat(requests.get()).isEqualTo(3); // the second one twice: unanswered, then answered
    }
  }

  /**
   * A server that hangs up on every request before answering: the client sends it twice (the second time on a new
   * connection), then reports the failure; a hostile server cannot make it loop.
   */
  @Test
  void aServerThatAlwaysHangsUpGetsTheRequestTwiceThenAFailure() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofPlatform().daemon().start(() -> {
        while (!listener.isClosed()) {
          try (Socket socket = listener.accept(); InputStream in = socket.getInputStream()) {
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
              // the request's headers; its body ("{}") is left unread
            }
            requests.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      });
      // A first request answered on a kept-alive connection is not needed: a connection hung up on before any byte
      // of an answer reads the same, fresh or reused.
      CompletableFuture<Transport.Reply> reply = transport.post(URI.create("http://127.0.0.1:"
          + listener.getLocalPort() + "/x"), "{}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
      assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IOException.class);
      assertThat(requests.get()).isEqualTo(2);
    }
  }

  /** An answer longer than the transport's cap fails; it is not read whole into memory. */
  @Test
  void anAnswerLargerThanTheCapFails() {
    server.createContext("/huge", ex -> {
      byte[] huge = new byte[1 << 20];
      ex.sendResponseHeaders(200, huge.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(huge);
      } catch (IOException e) {
        // the client hung up, as it should
      }
    });
    Transport capped = Transport.http(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), 64 * 1024);
    CompletableFuture<Transport.Reply> reply = capped.post(base.resolve("/huge"), new byte[0], Duration.ofSeconds(5));
    assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(AnswerTooLargeException.class).hasMessageContaining("larger than 65536 bytes");
  }

  /**
   * A server that sends an answer's headers at once and then its body a byte at a time, never finishing within the
   * request's timeout: the timeout covers the whole answer, so the request fails when it passes, and the client hangs
   * up (a hostile server cannot hold the client's thread and connection for as long as it keeps trickling).
   */
  @Test
  void anAnswerTrickledPastTheTimeoutFailsAndTheClientHangsUp() throws Exception {
    CountDownLatch hungUp = new CountDownLatch(1);
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofPlatform().daemon().start(() -> {
        try (Socket socket = listener.accept(); InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream()) {
          for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            // the request's headers
          }
          out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          for (int i = 0; i < 100_000; i++) {
            out.write(' ');
            out.flush();
            Thread.sleep(20);
          }
        } catch (IOException e) {
          hungUp.countDown(); // a write failed: the client closed the connection
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      long start = System.nanoTime();
      CompletableFuture<Transport.Reply> reply = transport.post(URI.create("http://127.0.0.1:"
          + listener.getLocalPort() + "/x"), "{}".getBytes(StandardCharsets.UTF_8), Duration.ofMillis(400));
      assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(HttpTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(hungUp.await(10, TimeUnit.SECONDS)).as("the client closed the trickling connection").isTrue();
    }
  }

  /**
   * A download's answer must begin within the request's timeout, but its body gets the download time: a slow source
   * that keeps sending is not cut off at the timeout.
   */
  @Test
  void aDownloadsBodyGetsTheDownloadTimeNotTheTimeout() throws Exception {
    server.createContext("/slowly", ex -> {
      ex.sendResponseHeaders(200, 10);
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 10; i++) {
          out.write('x');
          out.flush();
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Transport.Request slowly = Transport.Request.get(base.resolve("/slowly"), Duration.ofMillis(400)).limit(1 << 20);
    assertThat(slowly.download().wholeTime()).isEqualTo(Duration.ofMillis(400 + 4000));
    assertThat(transport.send(slowly.download()).get(10, TimeUnit.SECONDS).body()).hasSize(10);
    assertThatThrownBy(() -> transport.send(slowly).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class);
  }

  /** A request cancelled by its caller (a hedged call that has its answers) hangs up rather than waiting on. */
  @Test
  void aCancelledRequestHangsUp() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch hungUp = new CountDownLatch(1);
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofPlatform().daemon().start(() -> {
        try (Socket socket = listener.accept(); InputStream in = socket.getInputStream()) {
          for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            // the request's headers
          }
          asked.countDown();
          while (in.read() >= 0) {
            // the request's body, then nothing until the client closes the connection
          }
          hungUp.countDown();
        } catch (IOException e) {
          hungUp.countDown();
        }
      });
      CompletableFuture<Transport.Reply> reply = transport.post(URI.create("http://127.0.0.1:"
          + listener.getLocalPort() + "/x"), "{}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
      assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
      reply.cancel(true);
      assertThat(hungUp.await(10, TimeUnit.SECONDS)).as("the client closed the connection of the cancelled request")
          .isTrue();
    }
  }

  /** Answers every request on the connection, except that the first connection hangs up on its second request. */
  private static void serve(Socket socket, int connection, AtomicInteger requests) {
    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
      for (int n = 1; ; n++) {
        int length = -1;
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        if (length < 0) {
          return; // the client closed the connection
        }
        in.readNBytes(length);
        requests.incrementAndGet();
        if (connection == 1 && n == 2) {
          return; // closed before answering
        }
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the test sees what the client got
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return null;
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Test
  void aRefusedConnectionIsAConnectException() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nobody listens there
    }
    CompletableFuture<Transport.Reply> reply = transport.post(URI.create("http://127.0.0.1:" + port + "/x"),
        new byte[0], Duration.ofSeconds(5));
    assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ConnectException.class);
  }
}
