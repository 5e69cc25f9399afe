package dev.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.Activity;
import dev.tandem.node.NodeConfig.Fault;
import dev.tandem.node.NodeMetrics;
import dev.tandem.node.fault.Lies;
import dev.tandem.node.hosting.HostedService;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /services/{serviceId}}: runs each JSON-RPC request in the sandbox and answers with the JSON-RPC response
 * plus a {@code tandem} attestation signed by this node. Deterministic outcomes (results, service errors, traps) are
 * attested; non-deterministic ones (overload, timeout, module missing) are plain errors in -32000…-32009.
 */
public final class ServiceEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceEndpoint.class);
  private final Hosting hosting;
  private final Sandbox sandbox;
  private final KeyPair key;
  private final NodeMetrics metrics;
  private final int maxBatch;
  private final Fault fault;
  private final Activity activity;
  private final int liarSalt;
  private final java.util.function.ObjLongConsumer<String> served;

  public ServiceEndpoint(Hosting hosting, Sandbox sandbox, KeyPair key, NodeMetrics metrics, Activity activity,
      java.util.function.ObjLongConsumer<String> served, int maxBatch, Fault fault) {
    this.served = served;
    this.activity = activity;
    this.liarSalt = 1 + Math.floorMod(java.util.Arrays.hashCode(key.publicKey().bytes()), 1_000_000);
    this.hosting = hosting;
    this.sandbox = sandbox;
    this.key = key;
    this.metrics = metrics;
    this.maxBatch = maxBatch;
    this.fault = fault;
  }

  /** Answers a body; an empty array means "no content" (only notifications). */
  public byte[] handle(String serviceId, byte[] body) {
    Envelope.Parsed parsed = Envelope.parse(body, maxBatch);
    if (parsed.error() != null) {
      return parsed.error();
    }
    Optional<HostedService> hosted = hosting.ready(serviceId);
    List<byte[]> answers = new ArrayList<>(parsed.items().size());
    for (Envelope.Item item : parsed.items()) {
      if (item.error() != null) {
        answers.add(item.error());
      } else if (hosted.isEmpty()) {
        answers.add(Envelope.error(item.id(), hosting.wanted().contains(serviceId) ? RpcErrors.MODULE_UNAVAILABLE
            : RpcErrors.UNKNOWN_SERVICE, hosting.wanted().contains(serviceId)
            ? "service " + serviceId + " is not ready on this node yet"
            : "service " + serviceId + " is not offered by this node"));
      } else {
        byte[] answer = call(hosted.get(), item);
        answers.add(item.notification() ? null : answer);
      }
    }
    return Envelope.join(answers, parsed.batch());
  }

  /** Thrown by the {@code crash} fault: the HTTP layer drops the connection without an answer. */
  public static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash() {
      super("simulated crash", null, false, false);
    }
  }

  private byte[] call(HostedService service, Envelope.Item item) {
    long start = System.nanoTime();
    switch (fault) {
      case SLOW -> sleepQuietly(2_500); // slower than a client's slow threshold and hedge delay
      case CRASH -> throw new SimulatedCrash();
      default -> { }
    }
    ServiceCall call;
    try {
      call = ServiceCall.of(item.method(), item.params());
    } catch (JsonFormatException e) {
      return Envelope.error(item.id(), RpcErrors.INVALID_PARAMS, "invalid params: " + e.getMessage());
    }
    if (!service.permits().tryAcquire()) {
      metrics.call(service.id(), "overloaded", 0, System.nanoTime() - start);
      return Envelope.error(item.id(), RpcErrors.OVERLOADED, "overloaded: too many concurrent calls of "
          + service.id() + "; try another node");
    }
    Outcome outcome;
    try {
      if (service.record().isOci() && hosting.oci().isPresent()) {
        outcome = hosting.oci().get().call(service.record(), call.canonical(), service.record().limits());
      } else {
        dev.tandem.sandbox.Inputs inputs;
        try {
          inputs = hosting.inputs(service.record(), call.params());
        } catch (IllegalArgumentException e) {
          return Envelope.error(item.id(), RpcErrors.INVALID_PARAMS, e.getMessage());
        } catch (java.io.IOException e) {
          // Not this call's fault, nor deterministic: another node may have the input.
          return Envelope.error(item.id(), RpcErrors.MODULE_UNAVAILABLE, "input not available: " + e.getMessage());
        }
        outcome = sandbox.call(service.module(), call.canonical(), service.limits(), inputs);
      }
    } finally {
      service.permits().release();
    }
    long nanos = System.nanoTime() - start;
    metrics.call(service.id(), outcome.label(), outcome.fuel(), nanos);
    activity.call(new Activity.Call(System.currentTimeMillis(), service.id(), item.method(), outcome.label(),
        outcome.fuel(), nanos / 1000));
    if (LOG.isDebugEnabled()) {
      LOG.debug("call service={} method={} outcome={} fuel={} micros={}", service.id(), item.method(),
          outcome.label(), outcome.fuel(), nanos / 1000);
    }
    if (outcome instanceof Outcome.Deterministic det) {
      served.accept(service.id(), outcome.fuel()); // attested work, for the reciprocity ledger
      byte[] response = det.responseJson();
      if (fault == Fault.LIE) {
        response = Lies.twist(response, liarSalt); // a wrong answer of its own
      } else if (fault == Fault.COLLUDE) {
        response = Lies.twist(response); // the wrong answer every colluding liar signs
      }
      String responseHash = Hashes.sha256Hex(response);
      Attestation att = Attestation.sign(key, service.id(), call.requestHash(), responseHash, outcome.fuel());
      if (fault == Fault.GARBAGE) {
        return garbage(item.id(), response, att);
      }
      return envelope(item.id(), response, att);
    }
    Outcome.NonDeterministic nd = (Outcome.NonDeterministic) outcome;
    return Envelope.error(item.id(), nd.reason().code(), nd.reason().message());
  }

  private final java.util.concurrent.atomic.AtomicLong garbageCount = new java.util.concurrent.atomic.AtomicLong();

  /** The {@code garbage} fault: alternately bytes that are not JSON, and a well-formed answer with a forged signature. */
  private byte[] garbage(JsonNode id, byte[] response, Attestation att) {
    if (garbageCount.incrementAndGet() % 2 == 1) {
      return "\u0000\u00ffnot json {\"jsonrpc\":".getBytes(StandardCharsets.ISO_8859_1);
    }
    byte[] sig = att.sig();
    sig[0] ^= 0x5a;
    return envelope(id, response, new Attestation(att.server(), att.service(), att.requestHash(),
        att.responseHash(), att.fuel(), sig));
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code {"jsonrpc":"2.0","id":…,<inner of response>,"tandem":{…}}}, assembled without re-parsing the result. */
  private static byte[] envelope(JsonNode id, byte[] response, Attestation att) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(response.length + 400);
    out.writeBytes("{\"jsonrpc\":\"2.0\",\"id\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(Envelope.idText(id).getBytes(StandardCharsets.UTF_8));
    out.write(',');
    out.write(response, 1, response.length - 2); // {"result":X} → "result":X
    out.writeBytes(",\"tandem\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(att.toJson().toString().getBytes(StandardCharsets.UTF_8));
    out.write('}');
    return out.toByteArray();
  }
}
