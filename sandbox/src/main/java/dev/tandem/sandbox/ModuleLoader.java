package dev.tandem.sandbox;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.engine.WasmEngine;
import dev.tandem.sandbox.meter.InstrumentException;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Turns a module's bytes into a {@link LoadedModule}, once per CID and ABI: validates it, meters it, parses the
 * metered module, has the sandbox's engine prepare it (and, tiered on another engine, Chicory as well, in a
 * {@link HeatTier}), and instantiates it once so that what fails for every call fails the load instead.
 */
final class ModuleLoader {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModuleLoader.class);

  /** Runs an invocation as the sandbox runs calls (on its pool, within its limits). */
  @FunctionalInterface
  interface Runner {
    Invocation.Raw run(LoadedModule loaded, byte[] request, String name, Limits limits,
                       Function<Invocation, Invocation.Raw> body);
  }

  /**
   * Tiering by heat on another engine than Chicory.
   *
   * @param samples      where sampled calls run on the other engine, one at a time
   * @param threshold    the other engine's time over Chicory's that counts as at least as fast
   * @param onDivergence told when the engines disagree on a sample
   */
  record Tiers(java.util.concurrent.Executor samples, double threshold,
               Consumer<EngineDivergence> onDivergence) {}

  private final ModuleCache cache;
  private final WasmEngine engine;
  /**
   * Runs the load-time instantiation check, the same on every engine: Chicory (the engine itself when it is; tiered
   * by heat, the Chicory that answers the first calls, so its module is the one calls start on).
   */
  private final ChicoryEngine checker;
  /** Null unless tiered by heat. */
  private final Tiers tiers;
  private final int maxModuleBytes;
  private final Runner runner;

  ModuleLoader(ModuleCache cache, WasmEngine engine, ChicoryEngine checker, Tiers tiers, int maxModuleBytes,
               Runner runner) {
    this.cache = cache;
    this.engine = engine;
    this.checker = checker;
    this.tiers = tiers;
    this.maxModuleBytes = maxModuleBytes;
    this.runner = runner;
  }

  ModuleCache cache() {
    return cache;
  }

  LoadedModule prepare(String cid, byte[] wasm, Abi abi) throws ModuleRejectedException {
    byte[] sha = sha256(wasm);
    return cache.get(new ModuleCache.Key(cid, abi), sha, () -> compile(cid, wasm.clone(), abi, sha));
  }

  private LoadedModule compile(String cid, byte[] wasm, Abi abi, byte[] sha) throws ModuleRejectedException {
    long t0 = System.nanoTime();
    ModuleValidator.Checked checked = ModuleValidator.check(wasm, abi, maxModuleBytes);
    ModuleReport report = checked.report();
    if (!report.acceptable()) {
      throw new ModuleRejectedException(report);
    }
    long validated = System.nanoTime();
    byte[] metered;
    try {
      metered = Sandbox.metered(wasm);
    } catch (InstrumentException e) {
      throw new ModuleRejectedException(report.withProblems(List.of("the module cannot be metered: "
          + e.getMessage())));
    }
    String browsers = EngineLimits.problem(metered);
    if (browsers != null) {
      throw new ModuleRejectedException(report.withProblems(List.of(browsers)));
    }
    long t1 = System.nanoTime();
    WasmModule module;
    MemoryLimits memory;
    EngineModule code;
    EngineModule check;
    long t2;
    long t3;
    try {
      module = Parser.builder().withValidation(true).build().parse(() -> new ByteArrayInputStream(metered));
      memory = module.memorySection()
          .filter(s -> s.memoryCount() > 0)
          .map(s -> s.getMemory(0).limits())
          .orElse(new MemoryLimits(0, 0));
      PreparedModule prepared = new PreparedModule(metered, module, memory);
      t2 = System.nanoTime();
      code = engine.prepare(prepared);
      check = checker == engine ? code : checker.prepare(prepared);
      t3 = System.nanoTime();
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      // The original passed parsing, so this is a metering or engine limitation, still the module's to fix.
      throw new ModuleRejectedException(report.withProblems(List.of("the metered module cannot be compiled: "
          + ModuleValidator.describe(e))));
    }
    checkInstantiable(new LoadedModule(cid, abi, sha, module, check, memory, report, metered.length, null));
    LoadTimes times = new LoadTimes(validated - t0, t1 - validated, t2 - t1, t3 - t2, System.nanoTime() - t3);
    LOG.debug("loaded {} ({} bytes, metered {}): {}", cid, wasm.length, metered.length, times);
    if (tiers != null) {
      HeatTier heat = new HeatTier(cid, check, code, engine.name(), tiers.samples(), tiers.threshold(),
          tiers.onDivergence());
      heat.targetModule(new LoadedModule(cid, abi, sha, module, code, memory, report, metered.length, times));
      return new LoadedModule(cid, abi, sha, module, heat, memory, report, metered.length, times);
    }
    return new LoadedModule(cid, abi, sha, module, code, memory, report, metered.length, times);
  }

  /**
   * Instantiates the module once without calling it, so that what fails for every call (a data segment outside
   * the memory, an import of the wrong type) is a load error instead of a trap on each call.
   */
  private void checkInstantiable(LoadedModule loaded) throws ModuleRejectedException {
    Invocation.Raw raw = runner.run(loaded, new byte[0], loaded.cid(), Sandbox.LOAD_LIMITS,
        Invocation::instantiateOnly);
    if (!raw.completed() && raw.stopped() instanceof Outcome.NonDeterministic nd
        && nd.reason() == Outcome.NonDeterministic.Reason.INTERNAL && nd.detail().startsWith("cannot instantiate")) {
      throw rejected(loaded, "the module cannot be instantiated: "
          + nd.detail().substring("cannot instantiate: ".length()));
    }
  }

  static ModuleRejectedException rejected(LoadedModule loaded, String problem) {
    return new ModuleRejectedException(loaded.report().withProblems(List.of(problem)));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

}
