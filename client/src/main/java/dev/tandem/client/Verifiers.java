package dev.tandem.client;

import dev.tandem.client.referee.ModuleCache;
import dev.tandem.client.verify.EqualVerifier;
import dev.tandem.client.verify.MajorityVerifier;
import dev.tandem.client.verify.Verifier;
import dev.tandem.client.verify.WasmVerifier;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.Sandbox;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Finds the verifier a service record names: a built-in, or a Wasm module fetched by CID from the nodes
 ({@link ModuleCache}: hash-checked, cached on disk), loaded into the sandbox and cached.
 */
final class Verifiers {
  private final Supplier<Sandbox> sandbox;
  private final ModuleCache modules;
  private final Map<String, Verifier> cache = new ConcurrentHashMap<>();

  Verifiers(Supplier<Sandbox> sandbox, ModuleCache modules) {
    this.sandbox = sandbox;
    this.modules = modules;
  }

  /**
   * The verifier of {@code service}.
   *
   * @param sources nodes that may hold the module, in the order to try them (asked for only when it must be fetched)
   * @throws UnverifiableException when a verifier module cannot be fetched from any source or is rejected
   */
  Verifier forService(ServiceRecord service, Supplier<List<URI>> sources) {
    return switch (service.verifier()) {
      case ServiceRecord.BUILTIN_EQUAL -> EqualVerifier.INSTANCE;
      case ServiceRecord.BUILTIN_MAJORITY -> MajorityVerifier.INSTANCE;
      default -> {
        Verifier cached = cache.get(service.verifier());
        yield cached != null ? cached : cache.computeIfAbsent(service.verifier(), id -> load(id, sources.get()));
      }
    };
  }

  private Verifier load(String id, List<URI> sources) {
    Cid cid = Cid.parse(id);
    byte[] wasm;
    try {
      wasm = modules.get(cid, sources);
    } catch (IOException e) {
      throw new UnverifiableException("verifier module " + cid + " could not be fetched", List.of(e.getMessage()));
    }
    try {
      return new WasmVerifier(sandbox.get().loadVerifier(cid.toString(), wasm), Limits.defaults());
    } catch (ModuleRejectedException e) {
      throw new UnverifiableException("verifier module " + cid + " is unusable", List.of(e.getMessage()));
    }
  }
}
