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
}
