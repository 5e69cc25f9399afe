package dev.tandem.sandbox.engine;

import com.dylibso.chicory.runtime.ImportFunction;
import java.util.List;

/** A module prepared by one engine; makes a fresh instance for every call. Thread-safe. */
public interface EngineModule {
  /**
   * Makes a fresh instance without running anything: {@link EngineInstance#start()} runs the start function.
   *
   * @param imports  the host functions (WASI, {@code tandem.input_*}); their handles see an instance whose only
   *                 parts are the memory and the {@code tandem_fuel} global
   * @param maxPages the most pages {@code memory.grow} may reach; beyond, it returns -1
   */
  EngineInstance instantiate(List<ImportFunction> imports, int maxPages);

  /**
   * How instances made now run the module: for Chicory {@code interpreter} or {@code compiled}; other engines, which
   * manage their own tiers, say {@code engine}. Outcomes, results and fuel are the same on every tier.
   */
  default String tier() {
    return "engine";
  }

  /**
   * Completes when instances made from then on run a faster tier than an instance made now (a tiered engine has
   * compiled the module), so that a long call started now is better started again; null when no faster tier is
   * coming. Calls are deterministic and each runs in a fresh instance, so starting one again changes nothing but its
   * speed.
   */
  default java.util.concurrent.CompletionStage<Void> upgrade() {
    return null;
  }

  /**
   * Completes once the module has reached the tier it stays on: at once, unless a tiered engine is still compiling
   * it in the background.
   */
  default java.util.concurrent.CompletionStage<Void> settled() {
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }
}
