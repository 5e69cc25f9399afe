package dev.tandem.node.http;

import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.api.Envelope;
import dev.tandem.node.api.ServiceCalls;
import dev.tandem.node.fault.SimulatedCrash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls to one service over a WebSocket ({@code GET /services/{id}} upgraded): each text message is what a
 * {@code POST /services/{id}} carries, and is answered by one text message holding what the POST answers (nothing for
 * a message of notifications only). A browser pays about a millisecond for each {@code fetch} and a tenth of that for
 * a message, which is most of what a verified call costs it beyond the servers' own work.
 *
 * <p>One message at a time: the next is read only once the last one's answer is sent, so a socket holds at most one
 * call and one answer however fast a caller writes or however slowly it reads, and every call goes through the same
 * admission (the node's queue of requests in hand) and workers as one sent by POST.
 *
 * <p>Public only because Jetty calls its methods through method handles.
 */
public final class CallSocket implements Session.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(CallSocket.class);

  private final String service;
  private final ServiceCalls services;
  private final Admission admission;
  private volatile Session session;
  /** A call of this socket is running: the socket is quiet, not idle. */
  private volatile boolean busy;

  CallSocket(String service, ServiceCalls services, Admission admission) {
    this.service = service;
    this.services = services;
    this.admission = admission;
  }

  @Override
  public void onWebSocketOpen(Session session) {
    this.session = session;
    session.addIdleTimeoutListener(timeout -> !busy); // true: close it
    session.demand();
  }

  @Override
  public void onWebSocketText(String message) {
    busy = true;
    if (!admission.tryAdmit()) {
      reply(admission.full());
      return;
    }
    byte[] body = message.getBytes(StandardCharsets.UTF_8);
    admission.run(() -> {
      byte[] answer;
      try {
        answer = services.handle(service, body);
      } catch (SimulatedCrash crash) {
        session.disconnect(); // the crash fault: the connection dies mid-call
        return;
      } catch (Throwable t) {
        LOG.warn("call to {} over a WebSocket failed", service, t);
        answer = Envelope.error(null, RpcErrors.SERVER_ERROR, "internal error");
      }
      reply(answer);
    }, this::reply);
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    callback.succeed();
    session.close(StatusCode.BAD_DATA, "send each request as a text message", Callback.NOOP);
  }

  /** Sends the answer, then reads the next message (once it is sent: a caller that stops reading stops its calls). */
  private void reply(byte[] answer) {
    Session s = session;
    busy = false; // an answer being sent is traffic: a reader that stalls it is timed out
    if (answer.length == 0) { // notifications only: JSON-RPC answers nothing
      s.demand();
      return;
    }
    s.sendText(new String(answer, StandardCharsets.UTF_8), Callback.from(s::demand, failure -> s.disconnect()));
  }
}
