package dev.tandem.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.observe.Activity;
import dev.tandem.node.observe.NodeMetrics;
import dev.tandem.node.hosting.HostedService;
import dev.tandem.node.hosting.Runner;
import dev.tandem.sandbox.Outcome;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /services/{serviceId}}: runs each JSON-RPC request with the node's {@link Runner} and answers with the
 * JSON-RPC response plus a {@code tandem} attestation signed by this node. Deterministic outcomes (results, service
 * errors, traps) are attested; non-deterministic ones (overload, timeout, module missing) are plain errors in
 * -32000…-32009.
 *
 * <p>Free of HTTP and of the wall clock (time comes from the {@link Clock} it is given), so the same object answers
 * under Jetty and in the simulation.
 */
public final class ServiceEndpoint implements ServiceCalls {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceEndpoint.class);
  private final Runner runner;
  private final KeyPair key;
  private final NodeMetrics metrics;
  private final int maxBatch;
  private final Activity activity;
  private final ObjLongConsumer<String> served;
  private final Clock clock;

  /**
   * @param served told of each attested call (service id, fuel): the reciprocity ledger's count of work done
   */
  public ServiceEndpoint(Runner runner, KeyPair key, NodeMetrics metrics, Activity activity,
      ObjLongConsumer<String> served, int maxBatch, Clock clock) {
    this.runner = runner;
    this.key = key;
    this.metrics = metrics;
    this.activity = activity;
    this.served = served;
    this.maxBatch = maxBatch;
    this.clock = clock;
  }

  @Override
  public byte[] handle(String serviceId, byte[] body) {
    Envelope.Parsed parsed = Envelope.parse(body, maxBatch);
    if (parsed.error() != null) {
      return parsed.error();
    }
    Optional<HostedService> hosted = runner.ready(serviceId);
    List<byte[]> answers = new ArrayList<>(parsed.items().size());
    long bytes = 0;
    for (Envelope.Item item : parsed.items()) {
      if (item.error() != null) {
        answers.add(item.error());
      } else if (!Envelope.hasRoom(parsed.batch(), bytes)) {
        answers.add(item.notification() ? null : Envelope.noRoom(item.id()));
      } else if (hosted.isEmpty()) {
        boolean wanted = runner.wants(serviceId);
        answers.add(Envelope.error(item.id(), wanted ? RpcErrors.MODULE_UNAVAILABLE : RpcErrors.UNKNOWN_SERVICE,
            wanted ? "service " + serviceId + " is not ready on this node yet"
                : "service " + serviceId + " is not offered by this node"));
      } else {
        byte[] answer = call(hosted.get(), item);
        bytes += answer.length;
        answers.add(item.notification() ? null : answer);
      }
    }
    return Envelope.join(answers, parsed.batch());
  }

  private byte[] call(HostedService service, Envelope.Item item) {
    Instant start = clock.instant();
    ServiceCall call;
    try {
      call = ServiceCall.of(item.method(), item.params());
    } catch (JsonFormatException e) {
      return Envelope.error(item.id(), RpcErrors.INVALID_PARAMS, "invalid params: " + e.getMessage());
    }
    try {
      runner.prefetch(service, call); // inputs slow to come hold no permit
    } catch (JsonRpc.Failure f) {
      return Envelope.error(item.id(), f.code(), f.getMessage());
    }
    if (!service.permits().tryAcquire()) {
      metrics.call(service.id(), "overloaded", 0, nanosSince(start));
      return Envelope.error(item.id(), RpcErrors.OVERLOADED, "overloaded: too many concurrent calls of "
          + service.id() + "; try another node");
    }
    Outcome outcome;
    try {
      outcome = runner.run(service, call);
    } catch (JsonRpc.Failure f) {
      return Envelope.error(item.id(), f.code(), f.getMessage());
    } finally {
      service.permits().release();
    }
    long nanos = nanosSince(start);
    metrics.call(service.id(), outcome.label(), outcome.fuel(), nanos);
    activity.call(new Activity.Call(clock.millis(), service.id(), item.method(), outcome.label(), outcome.fuel(),
        nanos / 1000));
    if (LOG.isDebugEnabled()) {
      LOG.debug("call service={} method={} outcome={} fuel={} micros={}", service.id(), item.method(),
          outcome.label(), outcome.fuel(), nanos / 1000);
    }
    if (outcome instanceof Outcome.Deterministic det) {
      served.accept(service.id(), outcome.fuel()); // attested work, for the reciprocity ledger
      byte[] response = det.responseJson();
      Attestation att = Attestation.sign(key, service.id(), call.requestHash(), Hashes.sha256Hex(response),
          outcome.fuel());
      return envelope(item.id(), response, att);
    }
    Outcome.NonDeterministic nd = (Outcome.NonDeterministic) outcome;
    return Envelope.error(item.id(), nd.reason().code(), nd.reason().message());
  }

  private long nanosSince(Instant start) {
    return Math.max(0, Duration.between(start, clock.instant()).toNanos());
  }

  /** {@code {"jsonrpc":"2.0","id":…,<inner of response>,"tandem":{…}}}, assembled without re-parsing the result. */
  private static byte[] envelope(JsonNode id, byte[] response, Attestation att) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(response.length + 400);
    out.writeBytes("{\"jsonrpc\":\"2.0\",\"id\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(Envelope.idText(id).getBytes(StandardCharsets.UTF_8));
    out.write(',');
    out.write(response, 1, response.length - 2); // {"result":X} → "result":X
    out.writeBytes(",\"tandem\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(att.toJsonText().getBytes(StandardCharsets.UTF_8));
    out.write('}');
    return out.toByteArray();
  }
}
