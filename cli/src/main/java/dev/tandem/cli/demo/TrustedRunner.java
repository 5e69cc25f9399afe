package dev.tandem.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.CallInputs;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Inputs;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Re-runs calls in a sandbox of the demo's own, on the module bytes it registered, to check that every answer the
 * network verified is the right one. This is the referee of the demo, not part of the protocol: a real client has
 * no trusted copy to compare with, which is why it asks several servers.
 */
public final class TrustedRunner implements AutoCloseable {
  private final Sandbox sandbox = Sandbox.builder().threads(1).build();
  private final Map<String, Loaded> byServiceId = new HashMap<>();
  private final Map<Cid, byte[]> inputs = new HashMap<>();

  private record Loaded(ServiceModule module, Limits limits) {}

  /** Loads the module of {@code record}; the bytes must be the ones the record names. */
  public void add(ServiceRecord record, byte[] wasm) throws ModuleRejectedException {
    if (!Cid.rawSha256(wasm).equals(record.module())) {
      throw new IllegalArgumentException("module bytes do not match " + record.module());
    }
    var l = record.limits();
    Limits limits = Limits.builder().fuel(l.fuel()).memoryPages(l.memoryPages())
        .maxRequestBytes(l.maxRequestBytes()).maxResponseBytes(l.maxResponseBytes())
        .timeout(Duration.ofMillis(l.timeoutMs())).build();
    ServiceModule module = sandbox.load(record.module().toString(), wasm, Abi.parse(record.abi()))
        .withName(record.name());
    byServiceId.put(record.serviceId(), new Loaded(module, limits));
  }

  /** Keeps a file calls may name by CID (it was put on a node as {@code cid}), for re-runs that name it. */
  public void addInput(Cid cid, byte[] file) {
    inputs.put(cid, file.clone());
  }

  /**
   * The canonical response ({@code {"result":…}} or {@code {"error":…}}) the service gives to this call, or empty
   * when the call does not end deterministically here (then nothing can be said about the network's answer).
   */
  public Optional<byte[]> expected(String serviceId, String method, JsonNode params) {
    Loaded loaded = byServiceId.get(serviceId);
    if (loaded == null) {
      throw new IllegalArgumentException("no trusted module for service " + serviceId);
    }
    ServiceCall call;
    try {
      call = ServiceCall.of(method, params);
    } catch (JsonFormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    java.util.List<byte[]> given = new java.util.ArrayList<>();
    for (Cid link : CallInputs.links(params)) {
      byte[] file = inputs.get(link);
      if (file == null) {
        return Optional.empty(); // an input the demo never added: nothing to compare with
      }
      given.add(file);
    }
    Outcome outcome = sandbox.call(loaded.module(), call.canonical(), loaded.limits(), Inputs.of(given));
    return outcome instanceof Outcome.Deterministic d ? Optional.of(d.responseJson()) : Optional.empty();
  }

  /** Whether {@code canonicalResponse} is what the trusted re-run gives. */
  public boolean matches(String serviceId, String method, JsonNode params, byte[] canonicalResponse) {
    return expected(serviceId, method, params).map(e -> Arrays.equals(e, canonicalResponse)).orElse(false);
  }

  @Override
  public void close() {
    sandbox.close();
  }
}
