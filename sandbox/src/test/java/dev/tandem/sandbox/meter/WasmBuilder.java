package dev.tandem.sandbox.meter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A tiny WebAssembly module assembler for tests: enough sections to build the shapes the rewriter must handle. */
final class WasmBuilder {
  static final int I32 = 0x7F;
  static final int I64 = 0x7E;
  static final int F32 = 0x7D;
  static final int F64 = 0x7C;
  static final int FUNCREF = 0x70;

  private final List<byte[]> types = new ArrayList<>();
  private final List<byte[]> imports = new ArrayList<>();
  private int importedFunctions;
  private int importedGlobals;
  private final List<Integer> functionTypes = new ArrayList<>();
  private final List<byte[]> bodies = new ArrayList<>();
  private final List<byte[]> tables = new ArrayList<>();
  private final List<byte[]> memories = new ArrayList<>();
  private final List<byte[]> globals = new ArrayList<>();
  private final List<byte[]> exports = new ArrayList<>();
  private final List<byte[]> elements = new ArrayList<>();
  private final List<byte[]> datas = new ArrayList<>();
  private final List<byte[]> customs = new ArrayList<>();
  private Integer start;

  int type(int[] params, int[] results) {
    Code c = new Code().u8(0x60).vec(params).vec(results);
    types.add(c.bytes());
    return types.size() - 1;
  }

  int importFunction(String module, String name, int type) {
    imports.add(new Code().name(module).name(name).u8(0).u32(type).bytes());
    return importedFunctions++;
  }

  int importGlobal(String module, String name, int valType, boolean mutable) {
    imports.add(new Code().name(module).name(name).u8(3).u8(valType).u8(mutable ? 1 : 0).bytes());
    return importedGlobals++;
  }

  /** Adds a function; {@code locals} are one entry per local. Returns its function index. */
  int function(int type, int[] locals, Code code) {
    Code body = new Code().u32(locals.length);
    for (int l : locals) {
      body.u32(1).u8(l);
    }
    body.raw(code.bytes()).u8(0x0B);
    functionTypes.add(type);
    bodies.add(body.bytes());
    return importedFunctions + functionTypes.size() - 1;
  }

  WasmBuilder memory(int min, int max) {
    memories.add(new Code().u8(1).u32(min).u32(max).bytes());
    return this;
  }

  WasmBuilder table(int min) {
    tables.add(new Code().u8(FUNCREF).u8(0).u32(min).bytes());
    return this;
  }

  int global(int valType, boolean mutable, Code init) {
    globals.add(new Code().u8(valType).u8(mutable ? 1 : 0).raw(init.bytes()).u8(0x0B).bytes());
    return importedGlobals + globals.size() - 1;
  }

  WasmBuilder export(String name, int kind, int index) {
    exports.add(new Code().name(name).u8(kind).u32(index).bytes());
    return this;
  }

  WasmBuilder exportFunction(String name, int index) {
    return export(name, 0, index);
  }

  WasmBuilder start(int function) {
    this.start = function;
    return this;
  }

  /** An active element segment for table 0 at {@code offset}. */
  WasmBuilder element(Code offset, int... functions) {
    elements.add(new Code().u8(0).raw(offset.bytes()).u8(0x0B).vec(functions).bytes());
    return this;
  }

  /** An active data segment for memory 0 at {@code offset}. */
  WasmBuilder data(Code offset, byte[] bytes) {
    datas.add(new Code().u8(0).raw(offset.bytes()).u8(0x0B).u32(bytes.length).raw(bytes).bytes());
    return this;
  }

  WasmBuilder custom(String name, byte[] payload) {
    customs.add(new Code().name(name).raw(payload).bytes());
    return this;
  }

  byte[] build() {
    Code m = new Code().raw(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    section(m, 1, types);
    section(m, 2, imports);
    List<byte[]> fs = new ArrayList<>();
    for (int t : functionTypes) {
      fs.add(new Code().u32(t).bytes());
    }
    section(m, 3, fs);
    section(m, 4, tables);
    section(m, 5, memories);
    section(m, 6, globals);
    section(m, 7, exports);
    if (start != null) {
      byte[] s = new Code().u32(start).bytes();
      m.u8(8).u32(s.length).raw(s);
    }
    section(m, 9, elements);
    List<byte[]> code = new ArrayList<>();
    for (byte[] b : bodies) {
      code.add(new Code().u32(b.length).raw(b).bytes());
    }
    section(m, 10, code);
    section(m, 11, datas);
    for (byte[] c : customs) {
      m.u8(0).u32(c.length).raw(c);
    }
    return m.bytes();
  }

  private static void section(Code m, int id, List<byte[]> entries) {
    if (entries.isEmpty()) {
      return;
    }
    Code p = new Code().u32(entries.size());
    for (byte[] e : entries) {
      p.raw(e);
    }
    byte[] b = p.bytes();
    m.u8(id).u32(b.length).raw(b);
  }

  /** Instruction bytes, with helpers for the common encodings. */
  static final class Code {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    byte[] bytes() {
      return out.toByteArray();
    }

    Code u8(int... bs) {
      for (int b : bs) {
        out.write(b);
      }
      return this;
    }

    Code raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Code u32(long v) {
      do {
        int b = (int) (v & 0x7F);
        v >>>= 7;
        out.write(v != 0 ? b | 0x80 : b);
      } while (v != 0);
      return this;
    }

    Code s64(long v) {
      while (true) {
        int b = (int) (v & 0x7F);
        v >>= 7;
        boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
        out.write(done ? b : b | 0x80);
        if (done) {
          return this;
        }
      }
    }

    Code name(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return u32(b.length).raw(b);
    }

    Code vec(int[] items) {
      u32(items.length);
      for (int i : items) {
        u32(i);
      }
      return this;
    }

    Code i32(int v) {
      return u8(0x41).s64(v);
    }

    Code i64(long v) {
      return u8(0x42).s64(v);
    }

    Code f32(float v) {
      return f32Bits(Float.floatToRawIntBits(v));
    }

    Code f32Bits(int bits) {
      return u8(0x43, bits & 0xFF, (bits >>> 8) & 0xFF, (bits >>> 16) & 0xFF, (bits >>> 24) & 0xFF);
    }

    Code f64Bits(long bits) {
      u8(0x44);
      for (int i = 0; i < 8; i++) {
        u8((int) (bits >>> (8 * i)) & 0xFF);
      }
      return this;
    }

    Code f64(double v) {
      return f64Bits(Double.doubleToRawLongBits(v));
    }

    Code get(int local) {
      return u8(0x20).u32(local);
    }

    Code set(int local) {
      return u8(0x21).u32(local);
    }

    Code tee(int local) {
      return u8(0x22).u32(local);
    }

    Code globalGet(int g) {
      return u8(0x23).u32(g);
    }

    Code globalSet(int g) {
      return u8(0x24).u32(g);
    }

    Code block(int blockType) {
      return u8(0x02, blockType);
    }

    Code loop(int blockType) {
      return u8(0x03, blockType);
    }

    Code if_(int blockType) {
      return u8(0x04, blockType);
    }

    Code else_() {
      return u8(0x05);
    }

    Code end() {
      return u8(0x0B);
    }

    Code br(int depth) {
      return u8(0x0C).u32(depth);
    }

    Code brIf(int depth) {
      return u8(0x0D).u32(depth);
    }

    Code brTable(int[] targets, int dflt) {
      return u8(0x0E).vec(targets).u32(dflt);
    }

    Code ret() {
      return u8(0x0F);
    }

    Code call(int f) {
      return u8(0x10).u32(f);
    }

    Code callIndirect(int type) {
      return u8(0x11).u32(type).u8(0);
    }

    Code i32Load(int offset) {
      return u8(0x28, 2).u32(offset);
    }

    Code i32Store(int offset) {
      return u8(0x36, 2).u32(offset);
    }

    Code i64Store(int offset) {
      return u8(0x37, 3).u32(offset);
    }

    Code f32Store(int offset) {
      return u8(0x38, 2).u32(offset);
    }

    Code f64Store(int offset) {
      return u8(0x39, 3).u32(offset);
    }

    /** Any opcode without immediates (e.g. 0x6A i32.add). */
    Code op(int... ops) {
      return u8(ops);
    }

    Code memoryGrow() {
      return u8(0x40, 0);
    }

    Code memoryFill() {
      return u8(0xFC).u32(11).u8(0);
    }

    Code memoryCopy() {
      return u8(0xFC).u32(10).u8(0, 0);
    }
  }
}
