package dev.tandem.sandbox.meter;

/**
 * Opcode constants and an instruction decoder that knows every immediate's encoding, so that instructions can
 * be copied verbatim and only the few the metering cares about are looked at.
 *
 * <p>Supported: the MVP, sign extension, non-trapping float-to-int (0xFC 0–7), bulk memory and table ops
 * (0xFC 8–17), reference types, multi-value block types, tail calls and multi-memory memargs. Rejected with an
 * {@link InstrumentException}: SIMD (0xFD), threads (0xFE), GC (0xFB), exception handling and typed function
 * references, because fuel and call depth could not be accounted deterministically through them (or Chicory's
 * compiled mode does not run them).
 */
final class Opcodes {
  private Opcodes() {}

  static final int UNREACHABLE = 0x00;
  static final int BLOCK = 0x02;
  static final int LOOP = 0x03;
  static final int IF = 0x04;
  static final int ELSE = 0x05;
  static final int END = 0x0B;
  static final int BR = 0x0C;
  static final int BR_IF = 0x0D;
  static final int BR_TABLE = 0x0E;
  static final int RETURN = 0x0F;
  static final int CALL = 0x10;
  static final int CALL_INDIRECT = 0x11;
  static final int RETURN_CALL = 0x12;
  static final int RETURN_CALL_INDIRECT = 0x13;
  static final int SELECT = 0x1B;
  static final int LOCAL_GET = 0x20;
  static final int LOCAL_SET = 0x21;
  static final int LOCAL_TEE = 0x22;
  static final int GLOBAL_GET = 0x23;
  static final int GLOBAL_SET = 0x24;
  static final int MEMORY_GROW = 0x40;
  static final int I32_CONST = 0x41;
  static final int I64_CONST = 0x42;
  static final int F32_CONST = 0x43;
  static final int F64_CONST = 0x44;
  static final int I32_SUB = 0x6B;
  static final int I32_ADD = 0x6A;
  static final int I32_GT_S = 0x4A;
  static final int I64_LT_S = 0x53;
  static final int I64_SUB = 0x7D;
  static final int I64_SHL = 0x86;
  static final int I64_SHR_U = 0x88;
  static final int I64_EXTEND_I32_U = 0xAD;
  static final int F32_EQ = 0x5B;
  static final int F64_EQ = 0x61;

  /** Prefix 0xFC sub-opcodes are returned as {@code 0xFC00 | sub}. */
  static final int PREFIX_FC = 0xFC00;
  static final int MEMORY_INIT = PREFIX_FC | 8;
  static final int MEMORY_COPY = PREFIX_FC | 10;
  static final int MEMORY_FILL = PREFIX_FC | 11;
  static final int TABLE_INIT = PREFIX_FC | 12;
  static final int TABLE_COPY = PREFIX_FC | 14;
  static final int TABLE_GROW = PREFIX_FC | 15;
  static final int TABLE_FILL = PREFIX_FC | 17;

  static final int BLOCKTYPE_EMPTY = 0x40;
  static final int I32 = 0x7F;
  static final int I64 = 0x7E;
  static final int F32 = 0x7D;
  static final int F64 = 0x7C;
  static final int V128 = 0x7B;
  static final int FUNCREF = 0x70;
  static final int EXTERNREF = 0x6F;

  /** The value type of a NaN-producing float instruction's result, or 0 if it cannot produce a fresh NaN. */
  static int nanResultType(int op) {
    // f32: ceil floor trunc nearest sqrt add sub mul div min max, and f32.demote_f64.
    if ((op >= 0x8D && op <= 0x97) || op == 0xB6) {
      return F32;
    }
    // f64: ceil floor trunc nearest sqrt add sub mul div min max, and f64.promote_f32.
    if ((op >= 0x9B && op <= 0xA5) || op == 0xBB) {
      return F64;
    }
    return 0;
  }

  /**
   * The type of the operand a NaN-producing instruction takes from the top of the stack (its only or its
   * second operand), or 0 for other instructions. Every such instruction returns a NaN when that operand is one.
   */
  static int nanOperandType(int op) {
    if ((op >= 0x8D && op <= 0x97) || op == 0xBB) {
      return F32;
    }
    if ((op >= 0x9B && op <= 0xA5) || op == 0xB6) {
      return F64;
    }
    return 0;
  }

  /** The ops whose cost grows with their last (i32) operand: bulk memory and table ops, memory.grow. */
  static boolean isLengthCharged(int op) {
    return switch (op) {
      case MEMORY_GROW, MEMORY_INIT, MEMORY_COPY, MEMORY_FILL, TABLE_INIT, TABLE_COPY, TABLE_GROW, TABLE_FILL ->
          true;
      default -> false;
    };
  }

  static boolean isNumericValType(int t) {
    return t == I32 || t == I64 || t == F32 || t == F64;
  }

  /**
   * Checks a value type byte; rejects v128 and the GC reference encodings.
   *
   * @return the type byte
   */
  static int valType(WasmReader r) throws InstrumentException {
    int at = r.pos();
    int t = r.u8();
    if (isNumericValType(t) || t == FUNCREF || t == EXTERNREF) {
      return t;
    }
    if (t == V128) {
      throw r.error("SIMD (v128) is not supported", at);
    }
    throw r.error(String.format("unsupported value type 0x%02x (GC or typed references)", t), at);
  }

  /** Reads a block type: the empty type, one value type, or a type index. */
  static void blockType(WasmReader r) throws InstrumentException {
    int b = r.peek();
    if (b == BLOCKTYPE_EMPTY) {
      r.u8();
    } else if ((b & 0xC0) == 0x40) { // a one-byte negative s33: a single value type
      valType(r);
    } else {
      long idx = r.signed(33);
      if (idx < 0) {
        throw r.error("malformed block type");
      }
    }
  }

  private static void memarg(WasmReader r) throws InstrumentException {
    int align = r.u32();
    if ((align & 0x40) != 0) { // multi-memory: a memory index follows
      r.u32();
    }
    r.u64();
  }

  /**
   * Decodes one instruction at the reader's position, skipping its immediates.
   *
   * @return the opcode; 0xFC-prefixed ops as {@code 0xFC00 | sub}
   */
  static int next(WasmReader r) throws InstrumentException {
    int at = r.pos();
    int op = r.u8();
    switch (op) {
      case 0x00, 0x01, 0x05, 0x0B, 0x0F, 0x1A, 0x1B, 0xD1 -> {
        // unreachable nop else end return drop select ref.is_null: no immediates
      }
      case BLOCK, LOOP, IF -> blockType(r);
      case BR, BR_IF, CALL, RETURN_CALL, LOCAL_GET, LOCAL_SET, LOCAL_TEE, GLOBAL_GET, GLOBAL_SET, 0x25, 0x26,
          0xD2 -> r.u32();
      case BR_TABLE -> {
        int n = r.u32();
        for (int i = 0; i <= n; i++) { // n targets and the default
          r.u32();
        }
      }
      case CALL_INDIRECT, RETURN_CALL_INDIRECT -> {
        r.u32();
        r.u32();
      }
      case 0x1C -> { // select t*
        int n = r.u32();
        for (int i = 0; i < n; i++) {
          valType(r);
        }
      }
      case 0x3F, MEMORY_GROW -> r.u32(); // memory index
      case I32_CONST -> r.signed(32);
      case I64_CONST -> r.signed(64);
      case F32_CONST -> r.skip(4);
      case F64_CONST -> r.skip(8);
      case 0xD0 -> { // ref.null heaptype
        int t = r.u8();
        if (t != FUNCREF && t != EXTERNREF) {
          throw r.error(String.format("unsupported heap type 0x%02x in ref.null", t), at);
        }
      }
      case 0xFC -> {
        int sub = r.u32();
        switch (sub) {
          case 0, 1, 2, 3, 4, 5, 6, 7 -> {} // trunc_sat
          case 8 -> { // memory.init data mem
            r.u32();
            r.u32();
          }
          case 9, 11, 13, 15, 16, 17 -> r.u32(); // data.drop, memory.fill, elem.drop, table.grow/size/fill
          case 10, 12, 14 -> { // memory.copy, table.init, table.copy
            r.u32();
            r.u32();
          }
          default -> throw r.error("unsupported 0xFC sub-opcode " + sub, at);
        }
        return PREFIX_FC | sub;
      }
      case 0xFD -> throw r.error("SIMD instructions (0xFD prefix) are not supported", at);
      case 0xFE -> throw r.error("threads/atomics instructions (0xFE prefix) are not supported", at);
      case 0xFB -> throw r.error("GC instructions (0xFB prefix) are not supported", at);
      case 0x06, 0x07, 0x08, 0x09, 0x0A, 0x18, 0x19, 0x1F ->
          throw r.error(String.format("exception handling (opcode 0x%02x) is not supported", op), at);
      case 0x14, 0x15, 0xD3, 0xD4, 0xD5, 0xD6 ->
          throw r.error(String.format("typed function references (opcode 0x%02x) are not supported", op), at);
      default -> {
        if (op >= 0x28 && op <= 0x3E) {
          memarg(r);
        } else if (op < 0x45 || op > 0xC4) {
          throw r.error(String.format("unknown opcode 0x%02x", op), at);
        }
        // 0x45..0xC4: numeric instructions without immediates
      }
    }
    return op;
  }
}
