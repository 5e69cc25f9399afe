package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service calls over a WebSocket (docs/protocol.md, "Calls over a WebSocket"): each message is answered exactly as
 * the same body sent by POST, one message at a time and in order; anything but a text request within the body limit
 * closes the socket with a WebSocket status that says why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallSocketTest {
  @TempDir static Path dir;
  TestNetwork net;
  Node node;
  ServiceRecord echo;

  @BeforeAll
  void start() throws Exception {
    net = new TestNetwork(dir);
    node = net.start("n", List.of(), dev.tandem.node.fault.Fault.NONE);
    echo = TestNetwork.offerEcho("echo", KeyPair.generate(), node, List.of(node));
    TestNetwork.await("echo ready", Duration.ofSeconds(30), () -> node.hosting().states()
        .get(echo.serviceId()) instanceof dev.tandem.node.hosting.Hosting.State.Ready);
  }

  @AfterAll
  void stop() {
    net.close();
  }

  /** A socket's messages, and how it closed. */
  static final class Socket implements WebSocket.Listener {
    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder part = new StringBuilder();
    WebSocket ws;

    static Socket open(URI url) throws Exception {
      Socket s = new Socket();
      s.ws = TestNetwork.HTTP.newWebSocketBuilder().buildAsync(url, s).get(10, TimeUnit.SECONDS);
      return s;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      part.append(data);
      if (last) {
        messages.add(part.toString());
        part.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    String next() throws InterruptedException {
      String m = messages.poll(20, TimeUnit.SECONDS);
      assertThat(m).as("an answer within 20 s").isNotNull();
      return m;
    }
  }

  URI socketUrl(String service) {
    return URI.create(node.url().toString().replaceFirst("^http", "ws") + "/services/" + service);
  }

  static String request(int id, String params) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"echo\",\"params\":" + params + "}";
  }

  @Test
  void aMessageIsAnsweredByteForByteAsTheSameBodySentByPost() throws Exception {
    Socket s = Socket.open(socketUrl(echo.serviceId()));
    for (String body : List.of(request(1, "{\"a\":1}"), request(2, "{\"b\":[1,2]}"), "not json",
        "[" + request(3, "{}") + "," + request(4, "{}") + "]")) {
      s.ws.sendText(body, true).get(10, TimeUnit.SECONDS);
      String answer = s.next();
      assertThat(answer).isEqualTo(TestNetwork.post(URI.create(node.url() + "/services/" + echo.serviceId()), body,
          null).body());
    }
    s.ws.sendText(request(5, "{\"c\":true}"), true).get(10, TimeUnit.SECONDS);
    assertThat(Json.parse(s.next()).path("tandem").path("sig").asText()).isNotEmpty();
    // A service nobody offers here: the error a POST gets, over the socket.
    Socket other = Socket.open(socketUrl("bafkreinosuchservice"));
    other.ws.sendText(request(1, "{}"), true).get(10, TimeUnit.SECONDS);
    assertThat(other.next()).isEqualTo(TestNetwork.post(URI.create(node.url() + "/services/bafkreinosuchservice"),
        request(1, "{}"), null).body());
  }

  @Test
  void messagesSentTogetherAreAnsweredOneAtATimeInOrder() throws Exception {
    Socket s = Socket.open(socketUrl(echo.serviceId()));
    for (int i = 1; i <= 20; i++) {
      s.ws.sendText(request(i, "{\"n\":" + i + "}"), true).get(10, TimeUnit.SECONDS);
    }
    for (int i = 1; i <= 20; i++) {
      assertThat(Json.parse(s.next()).path("id").asInt()).isEqualTo(i);
    }
  }

  @Test
  void aBinaryMessageOrOneOverTheBodyLimitClosesTheSocket() throws Exception {
    Socket binary = Socket.open(socketUrl(echo.serviceId()));
    binary.ws.sendBinary(ByteBuffer.wrap(request(1, "{}").getBytes()), true);
    assertThat(binary.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1003); // unsupported data
    Socket large = Socket.open(socketUrl(echo.serviceId()));
    large.ws.sendText(request(1, "\"" + "x".repeat(2 << 20) + "\""), true);
    assertThat(large.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1009); // message too big
    assertThat(binary.messages).isEmpty();
    assertThat(large.messages).isEmpty();
  }

  /**
   * With {@code --idle-timeout-ms 1000}: a call that runs 2.5 s is answered on its socket (and by POST), as a running
   * call is not idle time; a socket with nothing running is closed after a second without traffic.
   */
  @Test
  void aLongCallIsNotIdleTimeButAQuietSocketIsClosed() throws Exception {
    Node quick = net.start("quick", List.of(), dev.tandem.node.fault.Fault.NONE,
        b -> b.limit(dev.tandem.node.guard.Limit.IDLE_TIMEOUT_MS, 1000));
    byte[] loop = java.nio.file.Files.readAllBytes(TestNetwork.repoRoot().resolve("services/hostile/loop.wasm"));
    ServiceRecord record = ServiceRecord.builder().name("loop").module(dev.tandem.core.cid.Cid.rawSha256(loop))
        .limits(new dev.tandem.core.record.ServiceLimits(dev.tandem.core.record.ServiceLimits.MAX_FUEL, 256, 1 << 20,
            1 << 20, 2500))
        .home(quick.url()).sign(KeyPair.generate());
    new dev.tandem.client.NodeClient(quick.url()).submit(record, loop, null);
    new dev.tandem.client.NodeClient(quick.url(), TestNetwork.adminToken(quick)).rpc("tandem_offer",
        Json.object().put("service", record.serviceId()));
    TestNetwork.await("loop ready", Duration.ofSeconds(30), () -> quick.hosting().states()
        .get(record.serviceId()) instanceof dev.tandem.node.hosting.Hosting.State.Ready);
    URI url = URI.create(quick.url().toString().replaceFirst("^http", "ws") + "/services/" + record.serviceId());

    Socket s = Socket.open(url);
    long start = System.nanoTime();
    s.ws.sendText(request(1, "{}"), true).get(10, TimeUnit.SECONDS);
    String answer = s.next();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(2000));
    assertThat(Json.parse(answer).path("error").path("code").asInt()).as(answer).isEqualTo(-32001); // timeout
    assertThat(s.closed).isNotDone();
    TestNetwork.Reply posted = TestNetwork.post(URI.create(quick.url() + "/services/" + record.serviceId()),
        request(2, "{}"), null);
    assertThat(Json.parse(posted.body()).path("error").path("code").asInt()).as(posted.body()).isEqualTo(-32001);
    // Nothing running, nothing sent: closed by the idle timeout.
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).isNotEqualTo(1000);
  }

  /** Browsers offer permessage-deflate; the node declines it (a zlib stream per socket, for answers this small). */
  @Test
  void compressionOfferedIsDeclined() throws Exception {
    try (java.net.Socket raw = new java.net.Socket(node.url().getHost(), node.url().getPort())) {
      raw.setSoTimeout(10_000);
      raw.getOutputStream().write(("GET /services/" + echo.serviceId() + " HTTP/1.1\r\nHost: " + node.url().getHost()
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      StringBuilder head = new StringBuilder(); // the answer's head, up to its blank line
      while (head.indexOf("\r\n\r\n") < 0) {
        int b = raw.getInputStream().read();
        assertThat(b).as("the head ends before the connection").isNotNegative();
        head.append((char) b);
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 101");
      assertThat(head.toString()).doesNotContainIgnoringCase("Sec-WebSocket-Extensions");
    }
  }

  @Test
  void aPlainGetOfAServiceIsStillRefused() throws Exception {
    TestNetwork.Reply reply = TestNetwork.get(URI.create(node.url() + "/services/" + echo.serviceId()));
    assertThat(reply.status()).isEqualTo(405);
  }
}
