package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.TrapKind;
import dev.tandem.sandbox.meter.MeterAbi;
import java.util.ArrayList;
import java.util.List;

/**
 * One call of a module in a fresh instance of its engine, on the current thread: instantiate with the memory cap, set the fuel
 * and depth budget, pass the request in the ABI's way, take the output out, and turn whatever stopped it into a
 * deterministic trap where one applies. Used once and thrown away.
 */
final class Invocation {
  /** What a call produced before any interpretation of its output. */
  record Raw(Outcome stopped, byte[] output, long value, long fuel, String stderr) {
    boolean completed() {
      return stopped == null;
    }

    static Raw stopped(Outcome outcome) {
      return new Raw(outcome, null, 0, outcome.fuel(), outcome.stderr());
    }
  }

  private final LoadedModule module;
  private final Limits limits;
  private final byte[] request;
  private final String programName;
  private final CallControl control;
  /** What the {@code tandem.input_*} imports read. */
  private final Inputs inputs;
  private EngineInstance instance;
  private BoundedOutput stdout;
  private BoundedOutput stderr;
  /** Fuel the start function used (charged against {@link MeterAbi#INITIAL_FUEL}, then against the budget). */
  private long startFuel;
  /** Whether the start function is done and the call's own budget is set. */
  private boolean budgetSet;

  Invocation(LoadedModule module, Limits limits, byte[] request, String programName, CallControl control) {
    this(module, limits, request, programName, control, Inputs.NONE);
  }

  Invocation(LoadedModule module, Limits limits, byte[] request, String programName, CallControl control,
      Inputs inputs) {
    this.inputs = inputs;
    this.module = module;
    this.limits = limits;
    this.request = request;
    this.programName = programName;
    this.control = control;
  }

  /** Runs {@code tandem_call} (or {@code verify}) with the request in memory; the output is the returned bytes. */
  Raw callWithMemory(String export) {
    return run(() -> {
      int len = request.length;
      long ptr = Integer.toUnsignedLong((int) instance.call("tandem_alloc", len)[0]);
      if (ptr + len > memoryBytes()) {
        throw new BadOutput("tandem_alloc(" + len + ") returned " + ptr + ", outside the memory of "
            + memoryBytes() + " bytes");
      }
      if (ptr == 0 && len > 0 && instance.growRefused()) {
        throw new BadOutput("tandem_alloc(" + len + ") returned 0");
      }
      instance.write((int) ptr, request);
      long packed = instance.call(export, ptr, len)[0];
      long outPtr = packed >>> 32;
      long outLen = packed & 0xffff_ffffL;
      if (outLen > limits.maxResponseBytes()) {
        throw new BoundedOutput.LimitExceeded("response of " + outLen + " bytes is larger than the limit of "
            + limits.maxResponseBytes());
      }
      if (outPtr + outLen > memoryBytes()) {
        throw new BadOutput("response at " + outPtr + " (" + outLen + " bytes) is outside the memory of "
            + memoryBytes() + " bytes");
      }
      return instance.read((int) outPtr, (int) outLen);
    });
  }

  /** Runs a WASI command: request on stdin, output is stdout; a non-zero exit is a trap. */
  Raw runCommand() {
    return run(() -> {
      int exitCode = 0;
      try {
        instance.call("_start");
      } catch (WasiExitException e) {
        exitCode = e.exitCode();
      }
      if (exitCode != 0) {
        throw new NonZeroExit(exitCode);
      }
      return stdout.bytes();
    });
  }

  /** Only instantiates (running the start function, if any): the load-time check that a module can be. */
  Raw instantiateOnly() {
    return run(() -> new byte[0]);
  }

  /** Calls a no-argument export returning i32 (a verifier's {@code minRequests}). */
  Raw callValue(String export) {
    long[] value = new long[1];
    Raw raw = run(() -> {
      value[0] = instance.call(export)[0];
      return new byte[0];
    });
    return raw.completed() ? new Raw(null, raw.output(), value[0], raw.fuel(), raw.stderr()) : raw;
  }

  private interface Body {
    byte[] run();
  }

  private Raw run(Body body) {
    MemoryLimits declared = module.memory();
    if (declared.initialPages() > limits.memoryPages()) {
      return stopped(TrapKind.MEMORY_LIMIT, "the module's memory starts at " + declared.initialPages()
          + " pages, more than the limit of " + limits.memoryPages(), 0);
    }
    int maxPages = Math.min(declared.maximumPages(), limits.memoryPages());
    boolean wasi = module.abi() == Abi.WASI_COMMAND;
    DeterministicWasi wasiHost = null;
    try {
      List<ImportFunction> imports = new ArrayList<>();
      if (wasi) {
        stdout = BoundedOutput.stopping(limits.maxResponseBytes());
        stderr = BoundedOutput.truncating(limits.maxStderrBytes());
        wasiHost = new DeterministicWasi(programName, request, stdout, stderr);
        imports.addAll(java.util.Arrays.asList(wasiHost.imports().functions()));
      }
      if (module.abi() != Abi.VERIFIER) { // the tandem.input_* functions, whether or not the module imports them
        imports.addAll(inputs.functions());
      }
      java.util.concurrent.CompletionStage<Void> upgrade = module.code().upgrade();
      instance = module.code().instantiate(imports, maxPages);
      control.running(instance);
      if (upgrade != null) { // on Chicory's interpreter while the module compiles: started again once it has
        upgrade.thenRun(control::supersede);
      }
      // Starting runs the module's start function, metered against the meter's fixed initial budget.
      instance.start();
      startFuel = MeterAbi.fuelUsed(MeterAbi.INITIAL_FUEL, instance.global(MeterAbi.FUEL), trapCode());
      if (startFuel >= limits.fuel()) {
        return stopped(TrapKind.OUT_OF_FUEL, "the start function used " + startFuel + " fuel", limits.fuel());
      }
      instance.global(MeterAbi.FUEL, limits.fuel() - startFuel);
      instance.global(MeterAbi.MAX_DEPTH, limits.maxCallDepth());
      instance.global(MeterAbi.DEPTH, 0);
      instance.global(MeterAbi.TRAP, MeterAbi.TRAP_NONE);
      budgetSet = true;
      byte[] output = body.run();
      return new Raw(null, output, 0, fuelUsed(), stderrText());
    } catch (Throwable t) {
      return Raw.stopped(classify(t));
    } finally {
      if (wasiHost != null) {
        wasiHost.close();
      }
      if (instance != null) {
        instance.close();
      }
    }
  }

  /** Maps whatever ended the call to an outcome; see {@link TrapKind} for what each kind means. */
  private Outcome classify(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError || t instanceof OutOfMemoryError)) {
      throw (VirtualMachineError) t;
    }
    if (control.expired() || has(t, ChicoryInterruptedException.class) || has(t, InterruptedException.class)) {
      return nonDeterministic(control.expired() ? Outcome.NonDeterministic.Reason.TIMEOUT
          : Outcome.NonDeterministic.Reason.INTERNAL, "interrupted: " + ModuleValidator.describe(t));
    }
    if (has(t, StackOverflowError.class) || "call stack exhausted".equals(t.getMessage())) {
      // The worker's stack is sized so the injected depth check fires first; reaching this is a sizing bug.
      return nonDeterministic(Outcome.NonDeterministic.Reason.INTERNAL,
          "the JVM stack overflowed before the call-depth limit");
    }
    if (has(t, OutOfMemoryError.class)) {
      return nonDeterministic(Outcome.NonDeterministic.Reason.INTERNAL, "the JVM ran out of memory");
    }
    // Chicory reports a trap in the start function as an UninstantiableException caused by the trap; one without
    // a cause is a module that can never be instantiated (a data or element segment out of bounds).
    if (!budgetSet && (t instanceof UnlinkableException
        || (t instanceof UninstantiableException && t.getCause() == null))) {
      // Cannot happen to a module that passed loading, which instantiates it once to find exactly this.
      return nonDeterministic(Outcome.NonDeterministic.Reason.INTERNAL,
          "cannot instantiate: " + ModuleValidator.describe(t));
    }
    if (t instanceof NonZeroExit exit) {
      return trap(TrapKind.EXIT_CODE, "exit code " + exit.code, true);
    }
    if (t instanceof BadOutput bad) {
      // A pointer that makes no sense after memory.grow was refused is most likely a failed allocation.
      return instance != null && instance.growRefused()
          ? trap(TrapKind.MEMORY_LIMIT, "memory.grow was refused, then: " + bad.getMessage(), true)
          : trap(TrapKind.INVALID_OUTPUT, bad.getMessage(), true);
    }
    if (has(t, BoundedOutput.LimitExceeded.class) || (stdout != null && stdout.overflowed())) {
      return trap(TrapKind.OUTPUT_TOO_LARGE, ModuleValidator.describe(t), true);
    }
    int code = instance == null || !isInitialized() ? MeterAbi.TRAP_NONE : trapCode();
    if (code == MeterAbi.TRAP_OUT_OF_FUEL) {
      return new Outcome.Trap(TrapKind.OUT_OF_FUEL, "fuel budget of " + limits.fuel() + " ran out",
          limits.fuel(), stderrText());
    }
    if (code == MeterAbi.TRAP_CALL_DEPTH) {
      return trap(TrapKind.CALL_DEPTH, "calls nested deeper than " + limits.maxCallDepth(), true);
    }
    TrapKind kind = Traps.kindOf(t);
    if (kind == null) {
      return nonDeterministic(Outcome.NonDeterministic.Reason.INTERNAL,
          "unexpected " + t.getClass().getName() + ": " + ModuleValidator.describe(t));
    }
    boolean exact = kind == TrapKind.UNREACHABLE;
    if (instance != null && instance.growRefused()) {
      return trap(TrapKind.MEMORY_LIMIT, "memory.grow was refused at " + instance.pages() + " pages (limit "
          + limits.memoryPages() + "), then: " + ModuleValidator.describe(t), exact);
    }
    return trap(kind, ModuleValidator.describe(t), exact);
  }

  /**
   * A trap's fuel. The meter writes the remaining fuel back at every call, return and {@code unreachable}, so it is
   * exact after those; after a trap of another kind (an out-of-bounds access, a division by zero) it is only as
   * recent as the last write-back, so such calls are charged the whole budget: deterministic, and never less than
   * was used.
   */
  private Outcome.Trap trap(TrapKind kind, String detail, boolean exact) {
    long fuel = exact && instance != null && isInitialized() ? fuelUsed() : limits.fuel();
    return new Outcome.Trap(kind, detail, fuel, stderrText());
  }

  private Raw stopped(TrapKind kind, String detail, long fuel) {
    return Raw.stopped(new Outcome.Trap(kind, detail, fuel, stderrText()));
  }

  private Outcome.NonDeterministic nonDeterministic(Outcome.NonDeterministic.Reason reason, String detail) {
    long fuel = 0;
    try {
      fuel = instance != null && isInitialized() ? fuelUsed() : 0;
    } catch (RuntimeException ignored) {
      // best effort: the fuel of a non-deterministic outcome is informational only
    }
    return new Outcome.NonDeterministic(reason, detail, fuel, stderrText());
  }

  /** Fuel used so far: by the start function (against its fixed budget), then by the call (against the rest). */
  private long fuelUsed() {
    long remaining = instance.global(MeterAbi.FUEL);
    if (!budgetSet) {
      return Math.min(limits.fuel(), MeterAbi.fuelUsed(MeterAbi.INITIAL_FUEL, remaining, trapCode()));
    }
    long used = MeterAbi.fuelUsed(limits.fuel() - startFuel, remaining, trapCode());
    return Math.min(limits.fuel(), startFuel + used);
  }

  private boolean isInitialized() {
    return instance.started();
  }

  private int trapCode() {
    return (int) instance.global(MeterAbi.TRAP);
  }

  private long memoryBytes() {
    return (long) instance.pages() * 65536L;
  }

  private String stderrText() {
    return stderr == null ? "" : stderr.text();
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** The module's output is not a response (bad pointers); reported as {@link TrapKind#INVALID_OUTPUT}. */
  private static final class BadOutput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadOutput(String message) {
      super(message, null, false, false);
    }
  }

  private static final class NonZeroExit extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;

    NonZeroExit(int code) {
      super("exit code " + code, null, false, false);
      this.code = code;
    }
  }
}
