package dev.tandem.node.http;

import dev.tandem.node.guard.Limit;
import dev.tandem.node.guard.NodeLimits;
import dev.tandem.sandbox.Sandbox;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Jetty server, tuned for many short calls from many addresses: a bounded job queue, a deep accept
 * backlog, per-address and total connection limits, small headers, and error pages that reveal nothing.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  private final Server server;
  private final ServerConnector connector;
  private final QueuedThreadPool threads;

  /** A server for {@code host:port} (port 0: any free one) under {@code limits}; not started yet. */
  public HttpServer(String host, int port, NodeLimits limits, TrustedProxies proxies) {
    // Platform threads, not virtual ones: measured faster here for short CPU-bound calls (docs/BENCHMARKS.md).
    // The job queue is bounded: under overload, work is refused early instead of piling up. The threads are the
    // sandbox's kind, so a call runs on the request's thread instead of being handed to a sandbox worker.
    AtomicInteger made = new AtomicInteger();
    this.threads = new QueuedThreadPool(256, 8, 60_000, -1, new BlockingArrayQueue<>(1024, 256, 4096), null,
        job -> Sandbox.newCallThread(job, "tandem-http-" + made.incrementAndGet()));
    threads.setName("tandem-http");
    this.server = new Server(threads);
    HttpConfiguration httpConfig = new HttpConfiguration();
    httpConfig.setRequestHeaderSize(limits.intValue(Limit.MAX_HEADER_BYTES));
    httpConfig.setSendServerVersion(false);
    this.connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(Math.max(1000, limits.get(Limit.IDLE_TIMEOUT_MS)));
    connector.setAcceptQueueSize(1024); // the JDK's default backlog of 50 overflows under bursts: SYNs get dropped
    // One address cannot take every connection; past the total, accepting pauses instead of failing.
    connector.addBean(new PerAddressLimit(limits.intValue(Limit.MAX_CONNECTIONS_PER_ADDRESS), proxies));
    server.addBean(new NetworkConnectionLimit(limits.intValue(Limit.MAX_CONNECTIONS), connector));
    server.addConnector(connector);
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    server.setErrorHandler(errors);
    server.setStopTimeout(5_000);
  }

  /** The request threads, which the handler watches to refuse work early under overload. */
  public QueuedThreadPool threads() {
    return threads;
  }

  /** The limits the handler applies to request bodies and queued requests, from the node's limits. */
  public static HttpLimits limits(NodeLimits limits) {
    return new HttpLimits(limits.get(Limit.BODY_TIMEOUT_MS), limits.get(Limit.MIN_BODY_RATE),
        limits.intValue(Limit.MAX_QUEUED_REQUESTS), limits.intValue(Limit.MAX_BODY_BYTES),
        (int) Math.min(Integer.MAX_VALUE - 1, limits.get(Limit.MAX_UPLOAD_MB) << 20),
        limits.get(Limit.GATEWAY_MB) << 20);
  }

  /**
   * Starts serving {@code api}, with its service calls over WebSockets too ({@code GET /services/{id}} upgraded:
   * {@link CallSocket}); returns the port it listens on. A socket without traffic for as long as a connection may be
   * is closed (unless a call of it is running), and a message is at most a request body's size.
   */
  public int start(HttpApi api) throws Exception {
    WebSocketUpgradeHandler sockets = WebSocketUpgradeHandler.from(server, container -> {
      container.setIdleTimeout(Duration.ofMillis(connector.getIdleTimeout()));
      container.setMaxTextMessageSize(api.maxBodyBytes());
      container.setMaxBinaryMessageSize(api.maxBodyBytes());
      container.addMapping("/services/*", (request, response, callback) -> {
        // No permessage-deflate, which browsers offer: answers are small, and compressing each one cost a caller
        // 1.4 ms more per verified call here, and the node a zlib stream per socket, which strangers open.
        response.setExtensions(List.of());
        return api.callSocket(Request.getPathInContext(request));
      });
    });
    sockets.setHandler(api);
    server.setHandler(sockets);
    server.start();
    return connector.getLocalPort();
  }

  /** Stops accepting calls and lets running calls finish (up to 5 s). */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("HTTP server did not stop cleanly", e);
    }
  }
}
