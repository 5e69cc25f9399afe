package dev.tandem.sandbox.graalwasm;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.meter.MeterAbi;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * One call's instance on GraalWasm: its own polyglot context (closed with the call), the module instantiated in it
 * with the host functions as imports. Host functions are the sandbox's own (written against Chicory's API); they see
 * a {@link HostView} of this instance's memory and fuel.
 */
final class GraalInstance implements EngineInstance {
  private final Engine engine;
  private final Source source;
  private final GraalModule module;
  private final List<ImportFunction> imports;
  private final int maxPages;
  private final Map<String, Value> globals = new HashMap<>();
  /** Set by {@link #interrupt()}, possibly from another thread, and possibly before the context exists. */
  private volatile boolean interrupted;
  private volatile Context context;
  private Value exports;
  private Value memory;
  private HostView host;

  GraalInstance(Engine engine, Source source, GraalModule module, List<ImportFunction> imports, int maxPages) {
    this.engine = engine;
    this.source = source;
    this.module = module;
    this.imports = imports;
    this.maxPages = maxPages;
  }

  @Override
  public void start() {
    context = Context.newBuilder("wasm").engine(engine).build();
    if (interrupted) { // the deadline passed before the context existed: interrupt() saw none to cancel
      context.close(true);
    }
    try {
      Value instance = context.eval(source).newInstance(importObject());
      exports = instance.getMember("exports");
      memory = exports.hasMember("memory") ? exports.getMember("memory") : null;
    } catch (PolyglotException e) {
      throw GraalTraps.translate(e);
    }
    if (module.hasStart()) {
      call(ModuleRewrite.START);
    }
  }

  @Override
  public boolean started() {
    return exports != null;
  }

  @Override
  public long[] call(String export, long... args) {
    FunctionType type = module.exportType(export);
    if (type == null) {
      throw new IllegalArgumentException("no exported function " + export);
    }
    Object[] values = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      values[i] = toGuest(type.params().get(i), args[i]);
    }
    try {
      Value result = exports.getMember(export).execute(values);
      return fromGuest(type.returns(), result);
    } catch (PolyglotException e) {
      throw GraalTraps.translate(e);
    }
  }

  @Override
  public long global(String name) {
    return fromGuest(globalType(name), global0(name).getMember("value"));
  }

  @Override
  public void global(String name, long value) {
    global0(name).putMember("value", toGuest(globalType(name), value));
  }

  @Override
  public int pages() {
    return memory == null ? 0 : (int) (memory.getBufferSize() >>> 16);
  }

  @Override
  public byte[] read(int address, int length) {
    byte[] out = new byte[length];
    try {
      memory.readBuffer(Integer.toUnsignedLong(address), out, 0, length);
    } catch (IndexOutOfBoundsException e) {
      throw new com.dylibso.chicory.wasm.ChicoryException("out of bounds memory access");
    }
    return out;
  }

  @Override
  public void write(int address, byte[] bytes) {
    PolyglotMemory.write(memory, Integer.toUnsignedLong(address), bytes, 0, bytes.length);
  }

  /**
   * GraalWasm does not say when {@code memory.grow} fails, only what the memory is: with the cap written into the
   * module, a memory standing at the cap is what a refused grow leaves when a module grows page by page (a memory
   * bomb, {@code sbrk} growing in small steps). A grow of more pages than remain, refused below the cap, is not
   * seen: then the trap keeps its own kind.
   */
  @Override
  public boolean growRefused() {
    return memory != null && pages() >= maxPages;
  }

  /**
   * GraalWasm's compiled and interpreted guest code does not stop at {@link Thread#interrupt()}: cancelling the
   * call's context does (Truffle stops guest code at its next safepoint, in every loop and call), and the call then
   * ends with a cancelled {@link PolyglotException}, which {@link GraalTraps} reports as an interruption. Each call
   * has its own context, so no other call is touched.
   */
  @Override
  public void interrupt() {
    interrupted = true;
    Context c = context;
    if (c != null) {
      try {
        c.close(true);
      } catch (IllegalStateException | PolyglotException e) {
        // The call ended and closed its context meanwhile: nothing is left to stop.
      }
    }
  }

  @Override
  public void close() {
    Context c = context;
    if (c != null) {
      c.close(true);
    }
  }

  private Value global0(String name) {
    return globals.computeIfAbsent(name, n -> exports.getMember(n));
  }

  private ValType globalType(String name) {
    ValType type = module.globalType(name);
    if (type == null) {
      throw new IllegalArgumentException("no exported global " + name);
    }
    return type;
  }

  /** The imports as GraalWasm takes them: module name → function name → callable. */
  private Object importObject() {
    Map<String, Map<String, Object>> byModule = new HashMap<>();
    for (ImportFunction f : imports) {
      byModule.computeIfAbsent(f.module(), m -> new HashMap<>()).put(f.name(), (ProxyExecutable) args -> {
        HostView view = host();
        view.fuel(global(MeterAbi.FUEL));
        long[] in = new long[args.length];
        for (int i = 0; i < args.length; i++) {
          in[i] = fromGuest(f.paramTypes().get(i), args[i]);
        }
        long[] out = f.handle().apply(view.instance(), in);
        global(MeterAbi.FUEL, view.fuel());
        return out == null || out.length == 0 ? null : toGuest(f.returnTypes().get(0), out[0]);
      });
    }
    Map<String, Object> proxies = new HashMap<>();
    byModule.forEach((name, functions) -> proxies.put(name, ProxyObject.fromMap(functions)));
    return ProxyObject.fromMap(proxies);
  }

  private HostView host() {
    if (host == null) {
      if (exports == null) {
        // Cannot happen: the start function runs as an export after instantiation (ModuleRewrite).
        throw new IllegalStateException("a host function was called before the instance existed");
      }
      host = new HostView(new PolyglotMemory(memory));
    }
    return host;
  }

  static Object toGuest(ValType type, long v) {
    if (type.equals(ValType.I32)) {
      return (int) v;
    } else if (type.equals(ValType.I64)) {
      return v;
    } else if (type.equals(ValType.F32)) {
      return Float.intBitsToFloat((int) v);
    } else if (type.equals(ValType.F64)) {
      return Double.longBitsToDouble(v);
    }
    throw new IllegalArgumentException("unsupported value type " + type);
  }

  static long fromGuest(ValType type, Value v) {
    if (type.equals(ValType.I32)) {
      return v.asInt();
    } else if (type.equals(ValType.I64)) {
      return v.asLong();
    } else if (type.equals(ValType.F32)) {
      return Float.floatToRawIntBits(v.asFloat()); // sign-extended, as Chicory passes an f32
    } else if (type.equals(ValType.F64)) {
      return Double.doubleToRawLongBits(v.asDouble());
    }
    throw new IllegalArgumentException("unsupported value type " + type);
  }

  private static long[] fromGuest(List<ValType> types, Value result) {
    if (types.isEmpty()) {
      return new long[0];
    }
    if (types.size() == 1) {
      return new long[] {fromGuest(types.get(0), result)};
    }
    long[] out = new long[types.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = fromGuest(types.get(i), result.getArrayElement(i));
    }
    return out;
  }
}
