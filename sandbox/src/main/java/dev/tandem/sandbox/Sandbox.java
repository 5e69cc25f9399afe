package dev.tandem.sandbox;

import dev.tandem.sandbox.engine.TrapKind;
import dev.tandem.sandbox.engine.WasmEngine;
import dev.tandem.sandbox.meter.InstrumentException;
import dev.tandem.sandbox.meter.InstrumentOptions;
import dev.tandem.sandbox.meter.Instrumenter;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs untrusted WebAssembly service modules so that every node gets byte-identical results.
 *
 * <p>{@link #load} checks a module against its ABI, injects fuel metering, a call-depth limit and NaN
 * canonicalization into it, has its engine prepare it (Chicory, built in, compiles it to JVM bytecode or keeps it for
 * its interpreter; see {@link Engines} for the others) and caches the result by CID. {@link #call} runs one request in a fresh instance on a worker thread, with the memory, fuel, depth, size
 * and time limits of {@link Limits}, and says how it ended as an {@link Outcome}.
 *
 * <p>Thread-safe. Close it to stop its worker threads.
 */
public final class Sandbox implements AutoCloseable {
  /**
   * Limits of what runs at load time (a start function, a verifier's {@code minRequests()}): little fuel and a
   * deadline far beyond what that fuel takes, so whether a module loads never depends on how busy the node is.
   */
  static final Limits LOAD_LIMITS = Limits.builder().fuel(10_000_000).timeout(java.time.Duration.ofSeconds(60))
      .build();

  private final CallPool pool;
  private final WasmEngine engine;
  private final ModuleLoader loader;
  /**
   * Tiered on another engine: Chicory, compiling in the background, which answers a module's calls until the other
   * engine is hot ({@link HeatTier}); null otherwise.
   */
  private final ChicoryEngine firstTier;
  private final java.util.concurrent.ExecutorService ownWarmUp;
  /** Calls stopped on the interpreter and started again compiled. */
  private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong divergences = new java.util.concurrent.atomic.AtomicLong();

  private Sandbox(Builder b) {
    this.engine = b.engine != null ? b.engine : Engines.create(b.engineName, b.compiled, b.tiered);
    boolean onChicory = engine instanceof ChicoryEngine;
    boolean byHeat = b.tiered && b.compiled && !onChicory;
    this.firstTier = byHeat ? ChicoryEngine.tiered() : null;
    // Chicory runs the load-time check on every engine: the engine itself, the first tier, or its interpreter.
    ChicoryEngine checker = onChicory ? (ChicoryEngine) engine : byHeat ? firstTier : new ChicoryEngine(false);
    this.ownWarmUp = byHeat && b.warmUp == null ? CallPool.background("tandem-warm-up") : null;
    this.pool = new CallPool(b.threads, b.maxQueuedCalls);
    ModuleLoader.Tiers tiers = byHeat ? new ModuleLoader.Tiers(b.warmUp != null ? b.warmUp : ownWarmUp,
        b.heatThreshold, d -> {
          divergences.incrementAndGet();
          b.onDivergence.accept(d);
        }) : null;
    this.loader = new ModuleLoader(new ModuleCache(b.cacheMaxBytes), engine, checker, tiers, b.maxModuleBytes,
        (loaded, request, name, limits, body) -> run(loaded, request, name, limits, body));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A sandbox with the defaults of {@link Builder}. */
  public static Sandbox create() {
    return builder().build();
  }

  /**
   * Checks, meters and compiles a service module, or returns the cached one for this CID and ABI.
   *
   * @param cid  the module's content id (the cache key: the caller guarantees it names these bytes)
   * @param wasm the module binary
   * @param abi  {@link Abi#TANDEM_V1} or {@link Abi#WASI_COMMAND}
   * @throws ModuleRejectedException listing every reason the module cannot run under {@code abi}
   * @throws IllegalArgumentException when {@code abi} is {@link Abi#VERIFIER} (use {@link #loadVerifier}), or the
   *     CID was loaded before with other bytes
   */
  public ServiceModule load(String cid, byte[] wasm, Abi abi) throws ModuleRejectedException {
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(wasm, "wasm");
    if (abi == Abi.VERIFIER) {
      throw new IllegalArgumentException("verifier modules are loaded with loadVerifier");
    }
    return new ServiceModule(prepare(cid, wasm, Objects.requireNonNull(abi, "abi")), cid);
  }

  /**
   * Checks, meters and compiles a verifier module and asks it for {@code minRequests()}.
   *
   * @throws ModuleRejectedException when it does not have the verifier ABI, or {@code minRequests()} does not
   *     return a number in 1..{@value VerifierModule#MAX_MIN_REQUESTS}
   */
  public VerifierModule loadVerifier(String cid, byte[] wasm) throws ModuleRejectedException {
    LoadedModule loaded = prepare(Objects.requireNonNull(cid, "cid"), Objects.requireNonNull(wasm, "wasm"),
        Abi.VERIFIER);
    Invocation.Raw raw = run(loaded, new byte[0], cid, LOAD_LIMITS, inv -> inv.callValue("minRequests"));
    if (!raw.completed()) {
      throw ModuleLoader.rejected(loaded, "minRequests() did not return: " + raw.stopped().label()
          + detail(raw.stopped()));
    }
    int min = (int) raw.value();
    if (min < 1 || min > VerifierModule.MAX_MIN_REQUESTS) {
      throw ModuleLoader.rejected(loaded, "minRequests() returned " + min + ", expected 1.."
          + VerifierModule.MAX_MIN_REQUESTS);
    }
    return new VerifierModule(this, loaded, min);
  }

  /**
   * Runs one request. Never throws for anything the module does: every way a call can end is an {@link Outcome}.
   *
   * @param module      a module from {@link #load}
   * @param requestJson the request: for both ABIs the canonical (RFC 8785) {@code {"method":…,"params":…}}
   * @param limits      what the call may use
   */
  public Outcome call(ServiceModule module, byte[] requestJson, Limits limits) {
    return call(module, requestJson, limits, Inputs.NONE);
  }

  /**
   * Runs one request with inputs the module reads through the {@code tandem.input_*} imports ({@link Inputs}).
   * Fetching them is the caller's work, before the call: it costs no fuel.
   */
  public Outcome call(ServiceModule module, byte[] requestJson, Limits limits, Inputs inputs) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(requestJson, "requestJson");
    Objects.requireNonNull(limits, "limits");
    LoadedModule loaded = module.loaded();
    if (loaded.code() instanceof HeatTier heat && heat.wantsSample()) {
      HeatTier.Timed onChicory = timedCall(loaded, requestJson, module.name(), limits, inputs);
      heat.sample(onChicory, () -> timedCall(heat.targetModule(), requestJson, module.name(), limits, inputs),
          requestJson);
      return onChicory.outcome();
    }
    return outcome(run(loaded, requestJson, module.name(), limits, inputs, body(loaded)));
  }

  /** A call and the time its engine took (instance, start and call, not the wait for a thread). */
  private HeatTier.Timed timedCall(LoadedModule loaded, byte[] request, String name, Limits limits, Inputs inputs) {
    Function<Invocation, Invocation.Raw> body = body(loaded);
    long[] nanos = {Long.MAX_VALUE};
    Invocation.Raw raw = run(loaded, request, name, limits, inputs, inv -> {
      long t0 = System.nanoTime();
      try {
        return body.apply(inv);
      } finally {
        nanos[0] = System.nanoTime() - t0;
      }
    });
    return new HeatTier.Timed(outcome(raw), nanos[0]);
  }

  private static Function<Invocation, Invocation.Raw> body(LoadedModule loaded) {
    return loaded.abi() == Abi.WASI_COMMAND ? Invocation::runCommand : inv -> inv.callWithMemory("tandem_call");
  }

  private static Outcome outcome(Invocation.Raw raw) {
    return raw.completed() ? ResponseDecoder.decode(raw.output(), raw.fuel(), raw.stderr()) : raw.stopped();
  }

  /** Runs one invocation on the pool, after the deterministic request-size check. */
  Invocation.Raw run(LoadedModule loaded, byte[] request, String name, Limits limits,
                     Function<Invocation, Invocation.Raw> body) {
    return run(loaded, request, name, limits, Inputs.NONE, body);
  }

  private Invocation.Raw run(LoadedModule loaded, byte[] request, String name, Limits limits, Inputs inputs,
                     Function<Invocation, Invocation.Raw> body) {
    if (request.length > limits.maxRequestBytes()) {
      return Invocation.Raw.stopped(new Outcome.Trap(TrapKind.REQUEST_TOO_LARGE, "request of " + request.length
          + " bytes is larger than the limit of " + limits.maxRequestBytes(), 0, ""));
    }
    return pool.run(control -> {
      Invocation.Raw raw = body.apply(new Invocation(loaded, limits, request, name, control, inputs));
      // Stopped on the interpreter because the compiled code became ready (so how it ended means nothing, not even
      // its fuel): the same call again, compiled; a fresh instance of a deterministic module gives the same outcome
      // and fuel, sooner.
      while (control.takeSuperseded()) {
        restarts.incrementAndGet();
        raw = body.apply(new Invocation(loaded, limits, request, name, control, inputs));
      }
      return raw;
    }, limits.timeout());
  }

  /**
   * A thread that runs calls of any sandbox itself, without handing them to the sandbox's workers: its stack is as
   * large as theirs (reserved, committed only as deep as a call goes). For the threads that call {@link #call} all
   * day, such as a node's request threads.
   */
  public static Thread newCallThread(Runnable job, String name) {
    return CallPool.newCallThread(job, name);
  }

  /** Whether {@link #load} has {@code cid} as {@code abi} in its cache: then loading it again costs only a hash. */
  public boolean hasLoaded(String cid, Abi abi) {
    return loader.cache().contains(new ModuleCache.Key(cid, abi));
  }

  /** Number of modules in the cache. */
  public int cachedModules() {
    return loader.cache().size();
  }

  /** Total size of the (metered) modules in the cache. */
  public long cachedBytes() {
    return loader.cache().bytes();
  }

  /** Whether this sandbox compiles modules (Chicory to JVM bytecode, GraalWasm with Truffle); else it interprets. */
  public boolean compiled() {
    return !(engine instanceof ChicoryEngine chicory) || chicory.compiled();
  }

  /** The name of the engine calls run on ({@code chicory}, {@code graalwasm}). */
  public String engine() {
    return engine.name();
  }

  /**
   * Stops the worker threads and the engine; calls made afterwards end with
   * {@link Outcome.NonDeterministic.Reason#SHUTDOWN}.
   */
  @Override
  public void close() {
    if (ownWarmUp != null) {
      ownWarmUp.shutdownNow();
    }
    pool.close();
    engine.close();
    if (firstTier != null) {
      firstTier.close();
    }
  }

  int liveWorkerThreads() {
    return pool.liveThreads();
  }

  /** Calls running now, on workers or callers' threads. */
  int runningCalls() {
    return pool.runningCalls();
  }

  /** Calls stopped on Chicory's interpreter when the module's compiled code became ready, and started again on it. */
  public long restartedCalls() {
    return restarts.get();
  }

  /**
   * Modules that, tiered on another engine, answered a sampled call differently there than on Chicory (an engine
   * bug: their calls stay on Chicory, and an error is logged).
   */
  public long engineDivergences() {
    return divergences.get();
  }

  /**
   * The module as this sandbox compiles and runs it: rewritten with fuel metering, the call-depth limit and NaN
   * canonicalization (docs/metering.md). Deterministic: every node computes the same bytes, which is what a service
   * record's {@code metered} CID names.
   */
  public static byte[] metered(byte[] wasm) throws InstrumentException {
    return Instrumenter.instrument(wasm, InstrumentOptions.all()).wasm();
  }

  /** The raw CID of {@link #metered(byte[])}: what a service record's {@code metered} member holds. */
  public static dev.tandem.core.cid.Cid meteredCid(byte[] wasm) throws InstrumentException {
    return dev.tandem.core.cid.Cid.rawSha256(metered(wasm));
  }

  private LoadedModule prepare(String cid, byte[] wasm, Abi abi) throws ModuleRejectedException {
    return loader.prepare(cid, wasm, abi);
  }

  private static String detail(Outcome outcome) {
    return switch (outcome) {
      case Outcome.Trap t -> " (" + t.detail() + ")";
      case Outcome.NonDeterministic n -> " (" + n.detail() + ")";
      default -> "";
    };
  }

  /** Settings of a {@link Sandbox}. */
  public static final class Builder {
    private long cacheMaxBytes = 256L << 20;
    private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int maxQueuedCalls = 1024;
    private boolean compiled = true;
    private boolean tiered;
    private java.util.concurrent.Executor warmUp;
    private double heatThreshold = 1.0;
    private Consumer<EngineDivergence> onDivergence = d -> { };
    private String engineName = ChicoryEngine.NAME;
    private WasmEngine engine;
    private int maxModuleBytes = ModuleValidator.DEFAULT_MAX_MODULE_BYTES;

    private Builder() {}

    /** Bound on the total size of cached (metered) modules; least recently used go first. Default 256 MiB. */
    public Builder cacheMaxBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("cacheMaxBytes must be >= 0, got " + bytes);
      }
      this.cacheMaxBytes = bytes;
      return this;
    }

    /** Calls that may run at once (worker threads). Default: the number of processors. */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 1024) {
        throw new IllegalArgumentException("threads must be in 1..1024, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Calls that may wait for a worker; beyond, calls end at once as overloaded. Default 1024. */
    public Builder maxQueuedCalls(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("maxQueuedCalls must be >= 1, got " + calls);
      }
      this.maxQueuedCalls = calls;
      return this;
    }

    /** Compile modules to JVM bytecode (default) or interpret them; outcomes and fuel are the same either way. */
    public Builder compiled(boolean compiled) {
      this.compiled = compiled;
      return this;
    }

    /**
     * Answer a new module's first calls with Chicory's interpreter while Chicory compiles the module in the
     * background, instead of compiling it before {@link #load} returns (hundreds of milliseconds for a large module).
     * On another engine (GraalWasm), tiered by heat as well: calls run on Chicory, and a sample of them on the other
     * engine in the background, until that engine runs them at least as fast (it optimizes only what it has run for
     * a while); see {@link ServiceModule#tier()}. Outcomes, results and fuel are the same either way. Default off.
     */
    public Builder tiered(boolean tiered) {
      this.tiered = tiered;
      return this;
    }

    /** Where a tiered sandbox on another engine runs its samples of calls on it (tests hold them back). */
    Builder warmUp(java.util.concurrent.Executor executor) {
      this.warmUp = executor;
      return this;
    }

    /**
     * A tiered sandbox on another engine moves a module's calls to it once it ran samples in at most this times
     * Chicory's time. Default 1 (at least as fast); tests widen it to make the move independent of speed.
     */
    Builder heatThreshold(double ratio) {
      this.heatThreshold = ratio;
      return this;
    }

    /**
     * The engine calls run on, by name: {@code chicory} (default, built in) or another one found by {@link Engines}.
     * Outcomes, results and fuel are the same on every engine.
     */
    public Builder engine(String name) {
      this.engineName = Objects.requireNonNull(name, "name");
      this.engine = null;
      return this;
    }

    /** Told when, tiered on another engine, the two engines answer a sampled call differently (also logged). */
    public Builder onEngineDivergence(Consumer<EngineDivergence> listener) {
      this.onDivergence = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The engine calls run on; the sandbox closes it when it is closed. */
    public Builder engine(WasmEngine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /** Largest module accepted. Default 8 MiB. */
    public Builder maxModuleBytes(int bytes) {
      if (bytes < 8) {
        throw new IllegalArgumentException("maxModuleBytes must be >= 8, got " + bytes);
      }
      this.maxModuleBytes = bytes;
      return this;
    }

    public Sandbox build() {
      return new Sandbox(this);
    }
  }
}
