package dev.tandem.sandbox;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** tandem-v1 modules written byte by byte, of any size: for limits no committed fixture should be as large as. */
public final class GeneratedModules {
  private GeneratedModules() {}

  /**
   * A module with {@code fillers} functions of {@code dropsEach} {@code (drop (i32.const 1))}, and one function with
   * a {@code br_table} naming {@code tableTargets} targets besides its default (none when negative).
   */
  public static byte[] module(int fillers, int dropsEach, int tableTargets) {
    return module(fillers, dropsEach, tableTargets, null);
  }

  /**
   * As {@link #module(int, int, int)}, with a funcref table of {@code table[0]} entries and, when given, a maximum of
   * {@code table[1]} (none when {@code table} is null).
   */
  public static byte[] module(int fillers, int dropsEach, int tableTargets, long[] table) {
    int functions = 2 + fillers + (tableTargets >= 0 ? 1 : 0);
    var out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    section(out, 1, bytes(3, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 2, 0x7F, 0x7F, 1, 0x7E, 0x60, 0, 0));
    var funcs = new ByteArrayOutputStream();
    leb(funcs, functions);
    funcs.writeBytes(bytes(0, 1));
    for (int i = 2; i < functions; i++) {
      funcs.write(2);
    }
    section(out, 3, funcs.toByteArray());
    if (table != null) {
      var tables = new ByteArrayOutputStream();
      tables.writeBytes(bytes(1, 0x70, table.length > 1 ? 1 : 0));
      for (long limit : table) {
        leb(tables, limit);
      }
      section(out, 4, tables.toByteArray());
    }
    section(out, 5, bytes(1, 0, 1));
    var exports = new ByteArrayOutputStream();
    exports.write(3);
    export(exports, "memory", 2, 0);
    export(exports, "tandem_alloc", 0, 0);
    export(exports, "tandem_call", 0, 1);
    section(out, 7, exports.toByteArray());
    var code = new ByteArrayOutputStream();
    leb(code, functions);
    body(code, bytes(0, 0x41, 0x80, 0x08, 0x0B));
    body(code, bytes(0, 0x42, 0, 0x0B));
    byte[] filler = new byte[2 + 3 * dropsEach];
    for (int i = 0; i < dropsEach; i++) {
      filler[1 + 3 * i] = 0x41;
      filler[2 + 3 * i] = 1;
      filler[3 + 3 * i] = 0x1A;
    }
    filler[filler.length - 1] = 0x0B;
    for (int i = 0; i < fillers; i++) {
      body(code, filler);
    }
    if (tableTargets >= 0) {
      var jump = new ByteArrayOutputStream();
      jump.writeBytes(bytes(0, 0x02, 0x40, 0x41, 0, 0x0E));
      leb(jump, tableTargets);
      jump.writeBytes(new byte[tableTargets + 1]); // every target and the default: the block
      jump.writeBytes(bytes(0x0B, 0x0B));
      body(code, jump.toByteArray());
    }
    section(out, 10, code.toByteArray());
    return out.toByteArray();
  }

  private static void export(ByteArrayOutputStream out, String name, int kind, int index) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    leb(out, n.length);
    out.writeBytes(n);
    out.write(kind);
    leb(out, index);
  }

  private static void body(ByteArrayOutputStream out, byte[] body) {
    leb(out, body.length);
    out.writeBytes(body);
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] payload) {
    out.write(id);
    leb(out, payload.length);
    out.writeBytes(payload);
  }

  private static void leb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
