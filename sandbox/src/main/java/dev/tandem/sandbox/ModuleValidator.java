package dev.tandem.sandbox;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Global;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.SubType;
import com.dylibso.chicory.wasm.types.TableImport;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The load-time checks: a module must be a well-formed core module within the size limit, import only what its
 * ABI allows, export what its ABI needs with the right types, and use only the instruction set every node runs
 * identically (no SIMD, threads, exceptions, GC, tail calls). Each violation is reported as its own sentence. A start
 * function is allowed (AssemblyScript emits one); it is metered like the call and its fuel counts toward it.
 */
public final class ModuleValidator {
  /** Default largest module accepted (8 MiB). */
  public static final int DEFAULT_MAX_MODULE_BYTES = 8 << 20;
  /** Globals the metering adds to a module; a module may not export them itself. */
  static final Set<String> RESERVED_EXPORTS =
      Set.of("tandem_fuel", "tandem_trap", "tandem_depth", "tandem_max_depth");

  /**
   * Most targets one {@code br_table} may name (its default included). Compiling a table costs more than linearly in
   * its size (measured: 65,520 targets, V8's own limit, took 1.5 s to compile; 16 tables of 4,096, 0.3 s), and
   * anyone may register a module that every node judging its evidence compiles. Compilers emit jump tables of a few
   * hundred targets.
   */
  public static final int MAX_BR_TABLE_TARGETS = 4096;

  private static final byte[] MAGIC = {0, 'a', 's', 'm'};
  private static final Set<OpCode> EXCEPTION_OPS = EnumSet.of(OpCode.THROW, OpCode.THROW_REF, OpCode.TRY_TABLE);
  private static final Set<OpCode> TAIL_CALL_OPS =
      EnumSet.of(OpCode.RETURN_CALL, OpCode.RETURN_CALL_INDIRECT, OpCode.RETURN_CALL_REF);
  private static final Set<OpCode> TYPED_REF_OPS = EnumSet.of(OpCode.CALL_REF, OpCode.REF_AS_NON_NULL,
      OpCode.BR_ON_NULL, OpCode.BR_ON_NON_NULL, OpCode.REF_EQ);

  private ModuleValidator() {}

  /** A module that passed parsing (it may still have problems) together with its report. */
  record Checked(ModuleReport report, WasmModule module) {}

  /** Checks {@code wasm} against {@code abi} with the default size limit. */
  public static ModuleReport validate(byte[] wasm, Abi abi) {
    return check(wasm, abi, DEFAULT_MAX_MODULE_BYTES).report();
  }

  /** Checks {@code wasm} against {@code abi}; never throws for bad input, every problem is in the report. */
  public static ModuleReport validate(byte[] wasm, Abi abi, int maxModuleBytes) {
    return check(wasm, abi, maxModuleBytes).report();
  }

  static Checked check(byte[] wasm, Abi abi, int maxModuleBytes) {
    try {
      return checkUnguarded(wasm, abi, maxModuleBytes);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      // Hostile bytes can trip the parser in many ways (index errors, its own assertions): all mean "malformed".
      return rejected(abi, wasm.length, "the module is malformed: " + describe(e));
    }
  }

  private static Checked checkUnguarded(byte[] wasm, Abi abi, int maxModuleBytes) {
    List<String> problems = new ArrayList<>();
    if (wasm.length == 0) {
      return rejected(abi, 0, "the module is empty");
    }
    if (wasm.length > maxModuleBytes) {
      return rejected(abi, wasm.length,
          "the module is " + wasm.length + " bytes, more than the limit of " + maxModuleBytes + " bytes");
    }
    String header = checkHeader(wasm);
    if (header != null) {
      return rejected(abi, wasm.length, header);
    }
    WasmModule module;
    try {
      module = Parser.builder().withValidation(true).build().parse(() -> new ByteArrayInputStream(wasm));
    } catch (RuntimeException e) {
      // Parser failures on hostile bytes are not all ChicoryExceptions (e.g. index errors on truncated sections).
      return rejected(abi, wasm.length, "the module is malformed: " + describe(e));
    }
    List<String> imports = new ArrayList<>();
    List<String> exports = new ArrayList<>();
    describeImportsAndExports(module, imports, exports);
    checkImports(module, abi, problems);
    checkMemory(module, problems);
    checkExports(module, abi, problems);
    checkFeatures(module, problems);
    return new Checked(new ModuleReport(abi, wasm.length, imports, exports, problems), module);
  }

  private static Checked rejected(Abi abi, int size, String problem) {
    return new Checked(new ModuleReport(abi, size, List.of(), List.of(), List.of(problem)), null);
  }

  private static String checkHeader(byte[] wasm) {
    if (wasm.length < 8 || wasm[0] != MAGIC[0] || wasm[1] != MAGIC[1] || wasm[2] != MAGIC[2]
        || wasm[3] != MAGIC[3]) {
      return "not a WebAssembly binary (it does not start with \\0asm)";
    }
    int version = (wasm[4] & 0xff) | (wasm[5] & 0xff) << 8 | (wasm[6] & 0xff) << 16 | (wasm[7] & 0xff) << 24;
    if (version != 1) {
      return version == 0x1000d || (wasm[6] == 1 && wasm[7] == 0)
          ? "this is a WebAssembly component, not a core module"
          : "unsupported WebAssembly binary version " + version + " (expected 1)";
    }
    return null;
  }

  private static void checkImports(WasmModule module, Abi abi, List<String> problems) {
    var section = module.importSection();
    List<String> disallowed = new ArrayList<>();
    for (int i = 0; i < section.importCount(); i++) {
      Import imp = section.getImport(i);
      String name = imp.module() + "." + imp.name();
      if (abi != Abi.VERIFIER && Inputs.MODULE.equals(imp.module())) {
        FunctionType expected = Inputs.signatures().get(imp.name());
        if (!(imp instanceof FunctionImport fi) || expected == null) {
          problems.add("import " + name + " is not a Tandem input function (input_size, input_read)");
        } else if (!expected.equals(module.typeSection().getType(fi.typeIndex()))) {
          problems.add("import " + name + " has type " + format(module.typeSection().getType(fi.typeIndex()))
              + ", Tandem defines " + format(expected));
        }
        continue;
      }
      if (abi != Abi.WASI_COMMAND) {
        disallowed.add(name + " (" + kind(imp.importType()) + ")");
        continue;
      }
      if (!(imp instanceof FunctionImport fi)) {
        problems.add("import " + name + " is a " + kind(imp.importType())
            + "; a wasi-command module may import only WASI functions");
      } else if (!DeterministicWasi.MODULE.equals(imp.module())) {
        problems.add("import " + name + " is not allowed; a wasi-command module may import only from "
            + DeterministicWasi.MODULE);
      } else {
        FunctionType expected = DeterministicWasi.signatures().get(imp.name());
        FunctionType actual = module.typeSection().getType(fi.typeIndex());
        if (expected == null) {
          problems.add("import " + name + " is not a WASI preview 1 function");
        } else if (!expected.equals(actual)) {
          problems.add("import " + name + " has type " + format(actual) + ", WASI preview 1 defines "
              + format(expected));
        }
      }
    }
    if (!disallowed.isEmpty()) {
      problems.add("a " + abi.id() + " module may not import anything, but it imports "
          + String.join(", ", abbreviate(disallowed)));
    }
  }

  private static void checkMemory(WasmModule module, List<String> problems) {
    int imported = module.importSection().count(ExternalType.MEMORY);
    int defined = module.memorySection().map(s -> s.memoryCount()).orElse(0);
    if (imported + defined > 1) {
      problems.add("the module has " + (imported + defined) + " memories; exactly one is allowed");
    }
    module.memorySection().filter(s -> s.memoryCount() > 0).ifPresent(s -> {
      MemoryLimits limits = s.getMemory(0).limits();
      if (limits.shared()) {
        problems.add("the memory is shared (threads proposal), which is not allowed");
      }
      if (limits.initialPages() > Limits.MAX_MEMORY_PAGES) {
        problems.add("the memory starts at " + limits.initialPages() + " pages, more than the most any call may"
            + " have (" + Limits.MAX_MEMORY_PAGES + ")");
      }
    });
  }

  private static void checkExports(WasmModule module, Abi abi, List<String> problems) {
    Map<String, Export> byName = new LinkedHashMap<>();
    var section = module.exportSection();
    for (int i = 0; i < section.exportCount(); i++) {
      Export e = section.getExport(i);
      byName.put(e.name(), e);
      if (RESERVED_EXPORTS.contains(e.name())) {
        problems.add("export '" + e.name() + "' is reserved for the metering the host adds");
      }
    }
    Export memory = byName.get("memory");
    if (memory == null) {
      problems.add("missing export 'memory' (the linear memory)");
    } else if (memory.exportType() != ExternalType.MEMORY) {
      problems.add("export 'memory' is a " + kind(memory.exportType()) + ", expected the linear memory");
    }
    for (Map.Entry<String, FunctionType> need : requiredFunctions(abi).entrySet()) {
      Export e = byName.get(need.getKey());
      if (e == null) {
        problems.add("missing export '" + need.getKey() + "' " + format(need.getValue()));
      } else if (e.exportType() != ExternalType.FUNCTION) {
        problems.add("export '" + need.getKey() + "' is a " + kind(e.exportType()) + ", expected a function "
            + format(need.getValue()));
      } else {
        FunctionType actual = functionType(module, e.index());
        if (!need.getValue().equals(actual)) {
          problems.add("export '" + need.getKey() + "' has type " + format(actual) + ", expected "
              + format(need.getValue()));
        }
      }
    }
  }

  /** The exported functions an ABI needs, with their types. */
  static Map<String, FunctionType> requiredFunctions(Abi abi) {
    FunctionType alloc = FunctionType.of(List.of(ValType.I32), List.of(ValType.I32));
    FunctionType call = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I64));
    Map<String, FunctionType> need = new LinkedHashMap<>();
    switch (abi) {
      case TANDEM_V1 -> {
        need.put("tandem_alloc", alloc);
        need.put("tandem_call", call);
      }
      case WASI_COMMAND -> need.put("_start", FunctionType.empty());
      case VERIFIER -> {
        need.put("tandem_alloc", alloc);
        need.put("minRequests", FunctionType.of(List.of(), List.of(ValType.I32)));
        need.put("verify", call);
      }
    }
    return need;
  }

  private static void checkFeatures(WasmModule module, List<String> problems) {
    Set<String> found = new LinkedHashSet<>();
    var types = module.typeSection();
    for (int i = 0; i < types.subTypeCount(); i++) {
      SubType sub = types.getSubType(i);
      if (sub.compType().funcType() == null) {
        found.add("GC types (struct/array)");
      } else if (usesV128(sub.compType().funcType().params()) || usesV128(sub.compType().funcType().returns())) {
        found.add("SIMD (v128)");
      }
    }
    for (Global g : module.globalSection().globals()) {
      if (g.valueType().equals(ValType.V128)) {
        found.add("SIMD (v128)");
      }
    }
    if (module.tagSection().map(t -> t.tagCount() > 0).orElse(false)) {
      found.add("exception handling");
    }
    FunctionBody[] bodies = module.codeSection().functionBodies();
    int imported = module.importSection().count(ExternalType.FUNCTION);
    boolean largeTable = false;
    for (int i = 0; i < bodies.length; i++) {
      FunctionBody body = bodies[i];
      if (usesV128(body.localTypes())) {
        found.add("SIMD (v128)");
      }
      String frame = FrameLimit.problem(imported + i,
          module.functionSection().getFunctionType(i, module.typeSection()).params(), body.localTypes());
      if (frame != null) {
        problems.add(frame);
      }
      for (AnnotatedInstruction ins : body.instructions()) {
        if (ins.opcode() == OpCode.BR_TABLE && ins.operands().length > MAX_BR_TABLE_TARGETS && !largeTable) {
          largeTable = true; // one sentence, however many tables
          problems.add("function " + (imported + i) + " has a br_table of " + ins.operands().length
              + " targets, more than " + MAX_BR_TABLE_TARGETS + ": compiling it would cost every node too much");
        }
        String feature = feature(ins.opcode());
        if (feature != null) {
          found.add(feature);
        }
      }
    }
    for (String feature : found) {
      problems.add("the module uses " + feature + ", which is not allowed: every node must run it identically");
    }
  }

  private static String feature(OpCode op) {
    int prefix = op.opcode() >>> 8;
    if (prefix == 0xFD) {
      return "SIMD (v128)";
    }
    if (prefix == 0xFE) {
      return "threads (atomics)";
    }
    if (prefix == 0xFB || TYPED_REF_OPS.contains(op)) {
      return "GC / typed function references";
    }
    if (EXCEPTION_OPS.contains(op)) {
      return "exception handling";
    }
    if (TAIL_CALL_OPS.contains(op)) {
      return "tail calls";
    }
    return null;
  }

  private static boolean usesV128(List<ValType> types) {
    for (ValType t : types) {
      if (t.equals(ValType.V128)) {
        return true;
      }
    }
    return false;
  }

  private static FunctionType functionType(WasmModule module, int functionIndex) {
    var imports = module.importSection();
    int importedFunctions = 0;
    for (int i = 0; i < imports.importCount(); i++) {
      if (imports.getImport(i) instanceof FunctionImport fi) {
        if (importedFunctions == functionIndex) {
          return module.typeSection().getType(fi.typeIndex());
        }
        importedFunctions++;
      }
    }
    return module.functionSection().getFunctionType(functionIndex - importedFunctions, module.typeSection());
  }

  private static void describeImportsAndExports(WasmModule module, List<String> imports, List<String> exports) {
    var importSection = module.importSection();
    for (int i = 0; i < importSection.importCount(); i++) {
      Import imp = importSection.getImport(i);
      String type = switch (imp) {
        case FunctionImport fi -> format(module.typeSection().getType(fi.typeIndex()));
        case MemoryImport mi -> "memory";
        case TableImport ti -> "table";
        case GlobalImport gi -> "global " + name(gi.type());
        default -> kind(imp.importType());
      };
      imports.add(imp.module() + "." + imp.name() + ": " + type);
    }
    var exportSection = module.exportSection();
    for (int i = 0; i < exportSection.exportCount(); i++) {
      Export e = exportSection.getExport(i);
      String type = e.exportType() == ExternalType.FUNCTION
          ? format(functionType(module, e.index()))
          : kind(e.exportType());
      exports.add(e.name() + ": " + type);
    }
  }

  /** {@code (i32, i32) -> i64}; {@code () -> ()} for none. */
  static String format(FunctionType type) {
    return "(" + type.params().stream().map(ModuleValidator::name).collect(Collectors.joining(", ")) + ") -> "
        + (type.returns().isEmpty() ? "()"
            : type.returns().size() == 1 ? name(type.returns().get(0))
            : "(" + type.returns().stream().map(ModuleValidator::name).collect(Collectors.joining(", ")) + ")");
  }

  private static String name(ValType type) {
    return type.name().toLowerCase(Locale.ROOT);
  }

  private static String kind(ExternalType type) {
    return switch (type) {
      case FUNCTION -> "function";
      case TABLE -> "table";
      case MEMORY -> "memory";
      case GLOBAL -> "global";
      case TAG -> "tag";
    };
  }

  private static List<String> abbreviate(List<String> items) {
    if (items.size() <= 8) {
      return items;
    }
    List<String> shown = new ArrayList<>(items.subList(0, 8));
    shown.add("and " + (items.size() - 8) + " more");
    return shown;
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
