package dev.tandem.sandbox.meter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The parts of a module's structure the rewriter needs: where each section is, the function types, how many
 * functions and globals are imported, the types of the defined functions and the export names.
 *
 * <p>Sections are checked for order and size; function bodies are only located here (the
 * {@link CodeRewriter} decodes them).
 */
final class ModuleInfo {
  static final int CUSTOM = 0;
  static final int TYPE = 1;
  static final int IMPORT = 2;
  static final int FUNCTION = 3;
  static final int TABLE = 4;
  static final int MEMORY = 5;
  static final int GLOBAL = 6;
  static final int EXPORT = 7;
  static final int START = 8;
  static final int ELEMENT = 9;
  static final int CODE = 10;
  static final int DATA = 11;
  static final int DATA_COUNT = 12;
  static final int TAG = 13;

  /** Known sections in the order the binary format requires. */
  static final int[] ORDER = {TYPE, IMPORT, FUNCTION, TABLE, MEMORY, TAG, GLOBAL, EXPORT, START, ELEMENT,
      DATA_COUNT, CODE, DATA};

  /** A section: its id and its payload's [start, end) in the module. */
  record Section(int id, int start, int end, String customName) {}

  /** A function body's [start, end) in the module. */
  record Body(int start, int end) {}

  final byte[] bytes;
  final Section[] known = new Section[14];
  final List<Section> customs = new ArrayList<>();
  final List<FuncType> types = new ArrayList<>();
  int importedFunctions;
  int importedGlobals;
  final List<Integer> functionTypes = new ArrayList<>();
  int definedGlobals;
  final Set<String> exportNames = new HashSet<>();
  int exportCount;
  final List<Body> bodies = new ArrayList<>();

  private ModuleInfo(byte[] bytes) {
    this.bytes = bytes;
  }

  static int rank(int id) {
    for (int i = 0; i < ORDER.length; i++) {
      if (ORDER[i] == id) {
        return i;
      }
    }
    return -1;
  }

  static ModuleInfo parse(byte[] wasm) throws InstrumentException {
    if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 'a' || wasm[2] != 's' || wasm[3] != 'm') {
      throw new InstrumentException("not a WebAssembly module (bad magic)", 0);
    }
    if (wasm[4] != 1 || wasm[5] != 0 || wasm[6] != 0 || wasm[7] != 0) {
      throw new InstrumentException("unsupported binary version (only core modules, version 1)", 4);
    }
    ModuleInfo m = new ModuleInfo(wasm);
    WasmReader r = new WasmReader(wasm, 8, wasm.length);
    int lastRank = -1;
    while (!r.atEnd()) {
      int at = r.pos();
      int id = r.u8();
      int size = r.u32();
      int start = r.pos();
      r.skip(size);
      if (id == CUSTOM) {
        String name = r.slice(start, start + size).name();
        m.customs.add(new Section(id, start, start + size, name));
        continue;
      }
      int rank = rank(id);
      if (rank < 0) {
        throw new InstrumentException("unknown section id " + id, at);
      }
      if (rank <= lastRank) {
        throw new InstrumentException("section " + id + " out of order or repeated", at);
      }
      lastRank = rank;
      m.known[id] = new Section(id, start, start + size, null);
    }
    m.parseTypes();
    m.parseImports();
    m.parseFunctions();
    m.parseMemories();
    m.parseGlobals();
    m.parseExports();
    m.parseCode();
    return m;
  }

  private WasmReader reader(int id) {
    Section s = known[id];
    return s == null ? null : new WasmReader(bytes, s.start(), s.end());
  }

  private static void expectEnd(WasmReader r, String what) throws InstrumentException {
    if (!r.atEnd()) {
      throw r.error(what + " section has trailing bytes");
    }
  }

  private static int[] valTypes(WasmReader r) throws InstrumentException {
    int n = r.u32();
    if (n < 0 || n > 1_000_000) {
      throw r.error("too many value types: " + Integer.toUnsignedString(n));
    }
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = Opcodes.valType(r);
    }
    return t;
  }

  private void parseTypes() throws InstrumentException {
    WasmReader r = reader(TYPE);
    if (r == null) {
      return;
    }
    int n = r.u32();
    for (int i = 0; i < n; i++) {
      int at = r.pos();
      int form = r.u8();
      if (form != 0x60) {
        throw r.error(String.format("type %d: unsupported type form 0x%02x (only function types; no GC)", i, form),
            at);
      }
      types.add(new FuncType(valTypes(r), valTypes(r)));
    }
    expectEnd(r, "type");
  }

  private static void limits(WasmReader r, boolean memory) throws InstrumentException {
    int at = r.pos();
    int flags = r.u8();
    if (memory && (flags & 0x02) != 0) {
      throw r.error("shared memory (threads) is not supported", at);
    }
    if (memory && (flags & 0x04) != 0) {
      throw r.error("memory64 is not supported", at);
    }
    if ((flags & ~0x01) != 0) {
      throw r.error(String.format("unsupported limits flags 0x%02x", flags), at);
    }
    r.u64();
    if ((flags & 0x01) != 0) {
      r.u64();
    }
  }

  private void parseImports() throws InstrumentException {
    WasmReader r = reader(IMPORT);
    if (r == null) {
      return;
    }
    int n = r.u32();
    for (int i = 0; i < n; i++) {
      r.name();
      r.name();
      int at = r.pos();
      int kind = r.u8();
      switch (kind) {
        case 0 -> {
          int t = r.u32();
          checkType(r, t, at);
          importedFunctions++;
        }
        case 1 -> {
          Opcodes.valType(r);
          limits(r, false);
        }
        case 2 -> limits(r, true);
        case 3 -> {
          Opcodes.valType(r);
          r.u8();
          importedGlobals++;
        }
        case 4 -> throw r.error("tag imports (exception handling) are not supported", at);
        default -> throw r.error("unknown import kind " + kind, at);
      }
    }
    expectEnd(r, "import");
  }

  private void checkType(WasmReader r, int t, int at) throws InstrumentException {
    if (t < 0 || t >= types.size()) {
      throw r.error("type index " + Integer.toUnsignedString(t) + " out of range", at);
    }
  }

  private void parseFunctions() throws InstrumentException {
    WasmReader r = reader(FUNCTION);
    if (r == null) {
      return;
    }
    int n = r.u32();
    for (int i = 0; i < n; i++) {
      int at = r.pos();
      int t = r.u32();
      checkType(r, t, at);
      functionTypes.add(t);
    }
    expectEnd(r, "function");
  }

  private void parseMemories() throws InstrumentException {
    WasmReader r = reader(MEMORY);
    if (r == null) {
      return;
    }
    int n = r.u32();
    for (int i = 0; i < n; i++) {
      limits(r, true);
    }
    expectEnd(r, "memory");
  }

  private void parseGlobals() throws InstrumentException {
    WasmReader r = reader(GLOBAL);
    if (r == null) {
      return;
    }
    definedGlobals = r.u32();
    // Entries are copied verbatim; only their number matters (new globals are appended after them).
  }

  private void parseExports() throws InstrumentException {
    WasmReader r = reader(EXPORT);
    if (r == null) {
      return;
    }
    exportCount = r.u32();
    for (int i = 0; i < exportCount; i++) {
      int at = r.pos();
      String name = r.name();
      r.u8();
      r.u32();
      if (!exportNames.add(name)) {
        throw r.error("duplicate export name \"" + name + "\"", at);
      }
    }
    expectEnd(r, "export");
  }

  private void parseCode() throws InstrumentException {
    WasmReader r = reader(CODE);
    int n = r == null ? 0 : r.u32();
    if (n != functionTypes.size()) {
      throw new InstrumentException("code section has " + n + " bodies but the function section declares "
          + functionTypes.size(), r == null ? bytes.length : r.pos());
    }
    for (int i = 0; i < n; i++) {
      int size = r.u32();
      int start = r.pos();
      r.skip(size);
      bodies.add(new Body(start, start + size));
    }
    if (r != null) {
      expectEnd(r, "code");
    }
  }

  /** Offset of a present known section's first entry (just after its leading count). */
  int payloadAfterCount(int id) throws InstrumentException {
    WasmReader r = reader(id);
    r.u32();
    return r.pos();
  }
}
