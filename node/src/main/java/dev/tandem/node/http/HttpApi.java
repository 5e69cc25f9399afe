package dev.tandem.node.http;

import dev.tandem.node.api.Envelope;
import dev.tandem.node.api.NodeRpc;
import dev.tandem.node.api.ServiceCalls;
import dev.tandem.node.fault.SimulatedCrash;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.modules.ModuleStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP routes (docs/operating-a-node.md, "HTTP API"). Every answer is JSON, Prometheus text, raw module
 * bytes or the dashboard; failures are JSON-RPC errors, never a stack trace.
 */
public final class HttpApi extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";

  private final ServiceCalls services;
  private final NodeRpc rpc;
  private final IpfsGateway gateway;
  private final Supplier<String> metrics;
  private final Supplier<byte[]> health;
  private final Supplier<byte[]> dashboard;
  private final Supplier<byte[]> dashboardJson;
  private final Supplier<byte[]> networkJson;
  private final StaticFiles dashboardFiles = new StaticFiles("dashboard");
  /** The "try it" page and the TypeScript client's browser bundle it loads (clients/js/bundle, copied by Maven). */
  private final StaticFiles tryFiles = new StaticFiles("try");
  private final HttpLimits limits;
  /** Requests with a body that wait for or hold a worker; past the limit new ones are refused before any work. */
  private final Admission admission;
  private final TrustedProxies proxies;

  public HttpApi(ServiceCalls services, NodeRpc rpc, ModuleStore modules, Supplier<String> metrics,
      Supplier<byte[]> health, Supplier<byte[]> dashboard, Supplier<byte[]> dashboardJson,
      Supplier<byte[]> networkJson, HttpLimits limits, Executor workers, TrustedProxies proxies) {
    this.limits = limits;
    this.proxies = proxies;
    this.admission = new Admission(limits.maxQueuedRequests(), workers);
    this.services = services;
    this.rpc = rpc;
    this.gateway = new IpfsGateway(modules, limits.gatewayBytes());
    this.metrics = metrics;
    this.health = health;
    this.dashboard = dashboard;
    this.dashboardJson = dashboardJson;
    this.networkJson = networkJson;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (Throwable t) {
      LOG.warn("request {} {} failed", request.getMethod(), Request.getPathInContext(request), t);
      send(response, callback, 500, JSON, Envelope.error(null, RpcErrors.SERVER_ERROR, "internal error"));
    }
    return true;
  }

  private void route(Request request, Response response, Callback callback) throws IOException {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    if (Cors.applies(path, method, request.getHeaders().get(HttpHeader.AUTHORIZATION) != null)) {
      Cors.allow(response);
      if ("OPTIONS".equals(method)) {
        Cors.preflight(path, response);
        response.setStatus(204);
        callback.succeeded();
        return;
      }
    }
    if (path.startsWith("/services/")) {
      if (!"POST".equals(method)) {
        notAllowed(response, callback, "POST");
        return;
      }
      withBody(request, response, callback, Body.REQUEST, body -> {
        byte[] answer;
        try {
          answer = services.handle(path.substring("/services/".length()), body);
        } catch (SimulatedCrash crash) {
          // The crash fault: the connection dies mid-call, as when a node's process is killed.
          request.getConnectionMetaData().getConnection().getEndPoint().close();
          callback.failed(crash);
          return;
        }
        sendJson(response, callback, 200, answer);
      });
    } else if (path.equals("/rpc")) {
      if (!"POST".equals(method)) {
        notAllowed(response, callback, "POST");
        return;
      }
      String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      String caller = CallerAddress.of(proxies.caller(Request.getRemoteAddr(request),
          request.getHeaders().get("X-Forwarded-For")));
      withBody(request, response, callback, Body.REQUEST, body -> {
        NodeRpc.Answer answer = rpc.handle(body, authorization, caller);
        sendJson(response, callback, answer.status(), answer.body());
      });
    } else if (path.startsWith("/ipfs/") && isGet(method)) {
      gateway.get(request, response, callback, path.substring("/ipfs/".length()));
    } else if ((path.equals("/ipfs") || path.equals("/ipfs/")) && "POST".equals(method)) {
      if (!rpc.authorized(request.getHeaders().get(HttpHeader.AUTHORIZATION))) { // before a byte of the body
        send(response, callback, 401, JSON, Envelope.error(null, RpcErrors.UNAUTHORIZED,
            "unauthorized: adding a file needs the admin bearer token"));
        return;
      }
      withBody(request, response, callback, Body.UPLOAD, body -> gateway.add(body, response, callback));
    } else if (path.equals("/health") && isGet(method)) {
      send(response, callback, 200, JSON, health.get());
    } else if (path.equals("/metrics") && isGet(method)) {
      send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8",
          metrics.get().getBytes(StandardCharsets.UTF_8));
    } else if ((path.equals("/") || path.equals("/index.html")) && isGet(method)) {
      send(response, callback, 200, "text/html; charset=utf-8", dashboard.get());
    } else if (path.equals("/dashboard.json") && isGet(method)) {
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      send(response, callback, 200, JSON, dashboardJson.get());
    } else if (path.equals("/network.json") && isGet(method)) {
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      send(response, callback, 200, JSON, networkJson.get());
    } else if (path.startsWith("/dashboard/") && isGet(method)) {
      sendFile(dashboardFiles.get(path.substring("/dashboard/".length())), path, response, callback);
    } else if ((path.equals("/try") || path.equals("/try/")) && isGet(method)) {
      sendFile(tryFiles.get("index.html"), path, response, callback);
    } else if (path.startsWith("/try/") && isGet(method)) {
      sendFile(tryFiles.get(path.substring("/try/".length())), path, response, callback);
    } else {
      send(response, callback, 404, JSON, Envelope.error(null, RpcErrors.METHOD_NOT_FOUND, "no route " + path));
    }
  }

  /** The socket for calls to the service of an upgraded {@code GET /services/{id}} ({@link CallSocket}). */
  CallSocket callSocket(String path) {
    return new CallSocket(path.substring("/services/".length()), services, admission);
  }

  /** The largest request a call may carry, by POST or as one WebSocket message. */
  int maxBodyBytes() {
    return limits.maxBodyBytes();
  }

  private static void sendFile(Optional<StaticFiles.File> file, String path, Response response, Callback callback) {
    if (file.isEmpty()) {
      send(response, callback, 404, JSON, Envelope.error(null, RpcErrors.METHOD_NOT_FOUND, "no route " + path));
      return;
    }
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    send(response, callback, 200, file.get().type(), file.get().bytes());
  }

  private static boolean isGet(String method) {
    return "GET".equals(method) || "HEAD".equals(method);
  }

  /**
   * Reads the body without holding a thread while it arrives, within its deadline ({@link HttpLimits}), then runs
   * {@code then} on a worker. A body over the size limit is answered 413, one that is too slow 408 (and the
   * connection closed); when {@code maxQueuedRequests} requests already wait for or hold a worker, the answer is 503
   * with -32000 before anything is read or queued.
   */
  private void withBody(Request request, Response response, Callback callback, Body kind, Consumer<byte[]> then) {
    long declared = request.getLength();
    int maxBytes = kind == Body.UPLOAD ? limits.maxUploadBytes() : limits.maxBodyBytes();
    if (declared > maxBytes) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close"); // the body is not worth reading
      tooLarge(response, callback, declared, kind);
      return;
    }
    if (!admission.tryAdmit()) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close"); // the unread body is not worth waiting for
      send(response, callback, 503, JSON, admission.full());
      return;
    }
    long deadline = kind == Body.UPLOAD ? limits.uploadDeadlineMs(declared) : limits.bodyDeadlineMs(declared);
    Content.Source.asByteArrayAsync(request, maxBytes).orTimeout(deadline, TimeUnit.MILLISECONDS)
        .whenComplete((body, failure) -> {
          if (failure != null) {
            admission.release();
            refuseBody(response, callback, failure, deadline, kind);
            return;
          }
          admission.run(() -> {
            try {
              then.accept(body);
            } catch (Throwable t) {
              LOG.warn("request {} {} failed", request.getMethod(), Request.getPathInContext(request), t);
              send(response, callback, 500, JSON, Envelope.error(null, RpcErrors.SERVER_ERROR, "internal error"));
            }
          }, refused -> send(response, callback, 503, JSON, refused));
        });
  }

  private void refuseBody(Response response, Callback callback, Throwable failure, long deadline, Body kind) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
        : failure;
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    if (cause instanceof TimeoutException) {
      send(response, callback, 408, JSON, Envelope.error(null, RpcErrors.INVALID_REQUEST, "request body not "
          + "received within " + deadline + " ms (bodies must arrive at " + limits.minBodyRate() + " bytes/s or "
          + "faster)"));
    } else if (cause instanceof IllegalArgumentException) {
      tooLarge(response, callback, -1, kind);
    } else {
      callback.failed(cause); // the connection broke: nobody is left to answer
    }
  }

  /** What a body is: a request to {@code /rpc} or {@code /services}, or a file uploaded to {@code POST /ipfs}. */
  private enum Body {
    REQUEST,
    UPLOAD
  }

  private void tooLarge(Response response, Callback callback, long declared, Body kind) {
    String what = kind == Body.UPLOAD ? "file" : "request body";
    long limit = kind == Body.UPLOAD ? limits.maxUploadBytes() : limits.maxBodyBytes();
    String flag = kind == Body.UPLOAD ? "--max-upload-mb" : "--max-body-bytes";
    send(response, callback, 413, JSON, Envelope.error(null, RpcErrors.TOO_LARGE, what + " "
        + (declared > 0 ? "of " + declared + " bytes " : "") + "exceeds the limit of " + limit + " bytes (" + flag
        + ")"));
  }

  private static void notAllowed(Response response, Callback callback, String allow) {
    response.getHeaders().put(HttpHeader.ALLOW, allow);
    send(response, callback, 405, JSON, Envelope.error(null, RpcErrors.INVALID_REQUEST, "use " + allow));
  }

  private static void sendJson(Response response, Callback callback, int status, byte[] body) {
    if (body.length == 0) {
      response.setStatus(204); // only notifications: JSON-RPC says nothing is returned
      callback.succeeded();
      return;
    }
    send(response, callback, status, JSON, body);
  }

  private static void send(Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
