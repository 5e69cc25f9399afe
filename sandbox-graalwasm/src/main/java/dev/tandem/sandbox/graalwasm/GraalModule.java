package dev.tandem.sandbox.graalwasm;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * A metered module prepared for GraalWasm: one polyglot source per memory cap (the cap is written into the binary,
 * see {@link ModuleRewrite}; a node uses one), and the types of its exports, which calls need to pass arguments.
 */
final class GraalModule implements EngineModule {
  private final Engine engine;
  private final PreparedModule module;
  private final Map<Integer, Source> sources = new ConcurrentHashMap<>();
  private final Map<String, FunctionType> exports = new HashMap<>();
  private final Map<String, ValType> globals = new HashMap<>();

  GraalModule(Engine engine, PreparedModule module) {
    this.engine = engine;
    this.module = module;
    WasmModule parsed = module.parsed();
    int imported = parsed.importSection().count(ExternalType.FUNCTION);
    List<FunctionImport> functionImports = parsed.importSection().stream()
        .filter(i -> i instanceof FunctionImport).map(i -> (FunctionImport) i).toList();
    parsed.startSection().ifPresent(st -> exports.put(ModuleRewrite.START, FunctionType.empty()));
    for (int i = 0; i < parsed.exportSection().exportCount(); i++) {
      Export e = parsed.exportSection().getExport(i);
      if (e.exportType() == ExternalType.FUNCTION) {
        int typeIndex = e.index() < imported ? functionImports.get(e.index()).typeIndex()
            : parsed.functionSection().getFunctionType(e.index() - imported);
        exports.put(e.name(), parsed.typeSection().getType(typeIndex));
      } else if (e.exportType() == ExternalType.GLOBAL) {
        int importedGlobals = parsed.importSection().count(ExternalType.GLOBAL);
        if (e.index() >= importedGlobals) {
          globals.put(e.name(), parsed.globalSection().getGlobal(e.index() - importedGlobals).valueType());
        }
      }
    }
  }

  @Override
  public EngineInstance instantiate(List<ImportFunction> imports, int maxPages) {
    Source source = sources.computeIfAbsent(maxPages, cap -> Source.newBuilder("wasm",
        ByteSequence.create(ModuleRewrite.rewrite(module.metered(), cap)), "module-" + cap).buildLiteral());
    return new GraalInstance(engine, source, this, imports, maxPages);
  }

  /** The type of an exported function, or null when there is no such export. */
  FunctionType exportType(String name) {
    return exports.get(name);
  }

  /** Whether the module has a start function (exported as {@link ModuleRewrite#START}). */
  boolean hasStart() {
    return module.parsed().startSection().isPresent();
  }

  /** The type of an exported global defined by the module, or null. */
  ValType globalType(String name) {
    return globals.get(name);
  }
}
