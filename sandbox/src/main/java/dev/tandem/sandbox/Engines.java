package dev.tandem.sandbox;

import dev.tandem.sandbox.engine.WasmEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The WebAssembly engines a sandbox can run on: Chicory, built in, and any {@link WasmEngine.Provider} on the class
 * path (the {@code tandem-sandbox-graalwasm} module provides {@code graalwasm}).
 */
public final class Engines {
  /** The default engine. */
  public static final String DEFAULT = ChicoryEngine.NAME;

  private Engines() {}

  /** The names of the engines available here, the default first. */
  public static List<String> available() {
    List<String> names = new ArrayList<>(List.of(DEFAULT));
    for (WasmEngine.Provider p : ServiceLoader.load(WasmEngine.Provider.class)) {
      names.add(p.name());
    }
    return names;
  }

  /**
   * Makes the engine named {@code name}.
   *
   * @param compiled for Chicory: compile to JVM bytecode (else interpret); other engines ignore it
   * @throws IllegalArgumentException when no such engine is on the class path
   */
  public static WasmEngine create(String name, boolean compiled) {
    return create(name, compiled, false);
  }

  /**
   * Makes the engine named {@code name}.
   *
   * @param compiled for Chicory: compile to JVM bytecode (else interpret); other engines ignore it
   * @param tiered   for Chicory when compiled: a module is ready once parsed, its first calls interpreted while it is
   *                 compiled in the background; other engines ignore it
   * @throws IllegalArgumentException when no such engine is on the class path
   */
  public static WasmEngine create(String name, boolean compiled, boolean tiered) {
    if (DEFAULT.equals(name)) {
      return compiled && tiered ? ChicoryEngine.tiered() : new ChicoryEngine(compiled);
    }
    for (WasmEngine.Provider p : ServiceLoader.load(WasmEngine.Provider.class)) {
      if (p.name().equals(name)) {
        return p.create();
      }
    }
    throw new IllegalArgumentException("unknown engine " + name + "; available: " + String.join(", ", available()));
  }
}
