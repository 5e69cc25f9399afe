package dev.tandem.sandbox.meter;

import java.nio.charset.StandardCharsets;

/**
 * A cursor over Wasm binary bytes: fixed-width reads and LEB128. Every error names the byte offset, measured
 * from the start of the module (not of the current section), so a message can be matched against a hex dump.
 */
final class WasmReader {
  private final byte[] bytes;
  private final int end;
  private int pos;
  /** Function index to put in error messages while reading a body, or -1. */
  private int functionIndex = -1;

  WasmReader(byte[] bytes) {
    this(bytes, 0, bytes.length);
  }

  WasmReader(byte[] bytes, int start, int end) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** A reader over {@code [start, end)} of the same buffer, offsets still module-relative. */
  WasmReader slice(int start, int sliceEnd) {
    WasmReader r = new WasmReader(bytes, start, sliceEnd);
    r.functionIndex = functionIndex;
    return r;
  }

  void functionIndex(int index) {
    this.functionIndex = index;
  }

  int pos() {
    return pos;
  }

  int end() {
    return end;
  }

  byte[] buffer() {
    return bytes;
  }

  boolean atEnd() {
    return pos >= end;
  }

  InstrumentException error(String message) {
    return new InstrumentException(message, pos, functionIndex);
  }

  InstrumentException error(String message, int at) {
    return new InstrumentException(message, at, functionIndex);
  }

  int u8() throws InstrumentException {
    if (pos >= end) {
      throw error("unexpected end of " + (functionIndex >= 0 ? "function body" : "section"));
    }
    return bytes[pos++] & 0xFF;
  }

  int peek() throws InstrumentException {
    if (pos >= end) {
      throw error("unexpected end of " + (functionIndex >= 0 ? "function body" : "section"));
    }
    return bytes[pos] & 0xFF;
  }

  void skip(int n) throws InstrumentException {
    if (n < 0 || n > end - pos) {
      throw error("length " + Integer.toUnsignedString(n) + " runs past the end");
    }
    pos += n;
  }

  /** Unsigned LEB128, at most 32 bits (5 bytes). */
  int u32() throws InstrumentException {
    int start = pos;
    long result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = u8();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 28 && (b & 0x70) != 0) {
          throw error("u32 LEB128 out of range", start);
        }
        return (int) result;
      }
    }
    throw error("u32 LEB128 longer than 5 bytes", start);
  }

  /** Unsigned LEB128 up to 64 bits (10 bytes); used for memory offsets and limits. */
  long u64() throws InstrumentException {
    int start = pos;
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int b = u8();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw error("u64 LEB128 longer than 10 bytes", start);
  }

  /** Signed LEB128 of {@code bits} width (32, 33 or 64). */
  long signed(int bits) throws InstrumentException {
    int start = pos;
    long result = 0;
    int shift = 0;
    int max = (bits + 6) / 7;
    for (int i = 0; i < max; i++) {
      int b = u8();
      result |= (long) (b & 0x7F) << shift;
      shift += 7;
      if ((b & 0x80) == 0) {
        if (shift < 64 && (b & 0x40) != 0) {
          result |= -1L << shift;
        }
        return result;
      }
    }
    throw error("s" + bits + " LEB128 too long", start);
  }

  String name() throws InstrumentException {
    int len = u32();
    int start = pos;
    skip(len);
    return new String(bytes, start, len, StandardCharsets.UTF_8);
  }
}
