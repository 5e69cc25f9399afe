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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Finds the verifier a service record names: a built-in, or a Wasm module fetched by CID from the nodes
 ({@link ModuleCache}: hash-checked, cached on disk), loaded into the sandbox and cached.
 */
final class Verifiers {
  private final Supplier<Sandbox> sandbox;
  private final ModuleCache modules;
  /**
   * Verifiers loaded or being loaded, by id. A load downloads the module, which a slow source can stretch to its
   * whole download time: it runs in the first caller's thread, outside any lock of the map, so callers of other
   * verifiers never wait on it; callers of the same one wait for that one load instead of each fetching it again. A
   * failed load is dropped, and the next call tries anew.
   */
  private final Map<String, CompletableFuture<Verifier>> cache = new ConcurrentHashMap<>();

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
        String id = service.verifier();
        CompletableFuture<Verifier> loading = cache.get(id);
        if (loading == null) {
          CompletableFuture<Verifier> mine = new CompletableFuture<>();
          loading = cache.putIfAbsent(id, mine);
          if (loading == null) {
            yield loadInto(mine, id, sources);
          }
        }
        yield await(loading, id);
      }
    };
  }

  private Verifier loadInto(CompletableFuture<Verifier> mine, String id, Supplier<List<URI>> sources) {
    try {
      Verifier v = load(id, sources.get());
      mine.complete(v);
      return v;
    } catch (RuntimeException | Error e) {
      cache.remove(id, mine);
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /** The verifier another caller is loading; its failure is this caller's too (the same exception). */
  private static Verifier await(CompletableFuture<Verifier> loading, String id) {
    try {
      return loading.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause()); // a load throws nothing else
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // As the load itself reports an interrupted download.
      throw new UnverifiableException("verifier module " + id + " could not be fetched", List.of("interrupted"));
    }
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
