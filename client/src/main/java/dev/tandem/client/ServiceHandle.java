package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.verify.Verifier;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One service, resolved: call its methods with verification. Obtained from {@link TandemClient#service}; cheap to
 * keep and thread-safe.
 *
 * <p>Every call returns a verified answer or throws:
 *
 * <ul>
 *   <li>{@link ServiceErrorException}: the verified answer is the service's own error (method not found, bad params,
 *       out of fuel...);
 *   <li>{@link UnverifiableException}: the answers conflict and could not be settled, or the verifier failed;
 *   <li>{@link NoServersException}: too few servers gave a valid answer;
 *   <li>{@link IllegalArgumentException}: the method or params cannot be sent (params must be an object, an array
 *       or null).
 * </ul>
 */
public final class ServiceHandle {
  private final TandemClient client;
  private final ServiceRecord record;
  private final String id; // a hash of the record: computed once, not on every call

  ServiceHandle(TandemClient client, ServiceRecord record, String id) {
    this.client = client;
    this.record = record;
    this.id = id;
  }

  /** The service id. */
  public String id() {
    return id;
  }

  /** The signed service record. */
  public ServiceRecord record() {
    return record;
  }

  /** Calls {@code method} and returns its verified result. */
  public JsonNode call(String method, JsonNode params) {
    return callWithReport(method, params).result().orElseThrow();
  }

  /** {@link #call} on a virtual thread; the future fails with the same exceptions. */
  public CompletableFuture<JsonNode> callAsync(String method, JsonNode params) {
    return callWithReportAsync(method, params).thenApply(r -> r.result().orElseThrow());
  }

  /** Calls {@code method} and returns the verified result with everything the call did. */
  public CallReport callWithReport(String method, JsonNode params) {
    ServiceCall call = request(method, params);
    client.freshen();
    Verifier verifier = client.verifierFor(record, id);
    CallSettings s = client.context().settings();
    return new CallRun(client.context(), record, id, verifier, call, s.minRequests(), s.maxRequests()).run();
  }

  /**
   * The servers a call would ask first, {@code n} of them at most: drawn from the current servers offering the
   * service (filter applied, blacklisted ones left out) as a call draws them, by weight and distinct operators first,
   * without asking them. Each call draws anew.
   */
  public List<ServerRecord> choose(int n) {
    client.freshen();
    CallSettings s = client.context().settings();
    // A run that only draws never sends, so it needs no request.
    return new CallRun(client.context(), record, id, client.verifierFor(record, id), null, s.minRequests(),
        s.maxRequests()).draw(n);
  }

  /** {@link #callWithReport} on a virtual thread. */
  public CompletableFuture<CallReport> callWithReportAsync(String method, JsonNode params) {
    ServiceCall call = request(method, params); // bad input fails now, not inside the future
    return CompletableFuture.supplyAsync(() -> callWithReport(call.method(), call.params()), client.executor())
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
            e instanceof CompletionException && e.getCause() != null ? e.getCause() : e));
  }

  private static ServiceCall request(String method, JsonNode params) {
    if (method == null || method.isEmpty()) {
      throw new IllegalArgumentException("method must be a non-empty string");
    }
    if (params != null && !(params.isNull() || params.isObject() || params.isArray())) {
      throw new IllegalArgumentException("params must be a JSON object, an array or null, got "
          + params.getNodeType().name().toLowerCase());
    }
    try {
      return ServiceCall.of(method, params == null || params.isNull() ? null : params);
    } catch (JsonFormatException e) {
      throw new IllegalArgumentException("params cannot be sent: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ServiceHandle[" + record.name() + " " + id() + "]";
  }
}
