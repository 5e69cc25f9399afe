package dev.tandem.sandbox.graalwasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Two changes to a metered module's binary, so that GraalWasm runs it exactly as Chicory does:
 * <ul>
 *   <li>the memory's declared maximum is lowered to the sandbox's page limit: Chicory enforces the limit in its
 *       memory object, GraalWasm has no such hook, so the module declares it and {@code memory.grow} beyond returns
 *       -1 on both;</li>
 *   <li>the start function is exported as {@value #START} instead of run by instantiation: GraalWasm returns no
 *       instance when a start function traps, so its fuel could not be read; called as an export, it runs after
 *       the data segments as before, and a trap leaves the instance and its globals readable.</li>
 * </ul>
 */
final class ModuleRewrite {
  /** The export name the start function gets. */
  static final String START = "tandem:start";
  private static final int EXPORT_SECTION = 7;
  private static final int START_SECTION = 8;
  private static final int MEMORY_SECTION = 5;

  private ModuleRewrite() {}

  static byte[] rewrite(byte[] wasm, int maxPages) {
    int start = -1;
    for (int pos = 8; pos < wasm.length; ) {
      int[] size = leb(wasm, pos + 1);
      if ((wasm[pos] & 0xff) == START_SECTION) {
        start = leb(wasm, size[1])[0];
      }
      pos = size[1] + size[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length + 32);
    out.write(wasm, 0, 8);
    boolean exported = false;
    for (int pos = 8; pos < wasm.length; ) {
      int id = wasm[pos] & 0xff;
      int[] size = leb(wasm, pos + 1);
      int from = size[1];
      int end = from + size[0];
      if (id == MEMORY_SECTION) {
        section(out, id, memory(wasm, from, maxPages));
      } else if (id == EXPORT_SECTION && start >= 0) {
        int[] count = leb(wasm, from);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        writeLeb(content, count[0] + 1);
        content.write(wasm, count[1], end - count[1]);
        startExport(content, start);
        section(out, id, content.toByteArray());
        exported = true;
      } else if (id == START_SECTION) {
        if (!exported) { // no export section before: one with only the start function, where the start was
          ByteArrayOutputStream content = new ByteArrayOutputStream();
          writeLeb(content, 1);
          startExport(content, start);
          section(out, EXPORT_SECTION, content.toByteArray());
        }
      } else {
        out.write(wasm, pos, end - pos);
      }
      pos = end;
    }
    return out.toByteArray();
  }

  private static byte[] memory(byte[] wasm, int from, int maxPages) {
    int[] count = leb(wasm, from);
    if (count[0] != 1) {
      throw new IllegalArgumentException("a module with " + count[0] + " memories");
    }
    int flags = wasm[count[1]] & 0xff;
    int[] min = leb(wasm, count[1] + 1);
    long max = (flags & 1) != 0 ? leb(wasm, min[1])[0] & 0xffff_ffffL : 65536;
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.write(1);
    content.write(flags | 1);
    writeLeb(content, min[0]);
    writeLeb(content, (int) Math.min(max, maxPages));
    return content.toByteArray();
  }

  private static void startExport(ByteArrayOutputStream content, int function) {
    byte[] name = START.getBytes(StandardCharsets.UTF_8);
    writeLeb(content, name.length);
    content.writeBytes(name);
    content.write(0); // a function
    writeLeb(content, function);
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    writeLeb(out, content.length);
    out.writeBytes(content);
  }

  /** An unsigned LEB128 at {@code pos}: {value, position after it}. */
  private static int[] leb(byte[] b, int pos) {
    int value = 0;
    int shift = 0;
    while (true) {
      int x = b[pos++] & 0xff;
      value |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return new int[] {value, pos};
      }
      shift += 7;
    }
  }

  private static void writeLeb(ByteArrayOutputStream out, int value) {
    long v = value & 0xffff_ffffL;
    do {
      int x = (int) (v & 0x7f);
      v >>>= 7;
      out.write(v != 0 ? x | 0x80 : x);
    } while (v != 0);
  }
}
