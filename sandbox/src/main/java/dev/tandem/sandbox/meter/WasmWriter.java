package dev.tandem.sandbox.meter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with the Wasm binary encodings (LEB128, names, sections). */
final class WasmWriter {
  private byte[] buf;
  private int size;

  WasmWriter() {
    this(256);
  }

  WasmWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  int size() {
    return size;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private void ensure(int extra) {
    if (size + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
    }
  }

  WasmWriter u8(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  WasmWriter bytes(byte[] src) {
    return bytes(src, 0, src.length);
  }

  WasmWriter bytes(byte[] src, int from, int to) {
    int n = to - from;
    ensure(n);
    System.arraycopy(src, from, buf, size, n);
    size += n;
    return this;
  }

  WasmWriter bytes(WasmWriter other) {
    return bytes(other.buf, 0, other.size);
  }

  WasmWriter u32(int value) {
    long v = Integer.toUnsignedLong(value);
    do {
      int b = (int) (v & 0x7F);
      v >>>= 7;
      u8(v != 0 ? b | 0x80 : b);
    } while (v != 0);
    return this;
  }

  WasmWriter s64(long value) {
    while (true) {
      int b = (int) (value & 0x7F);
      value >>= 7;
      boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
      u8(done ? b : b | 0x80);
      if (done) {
        return this;
      }
    }
  }

  WasmWriter s32(int value) {
    return s64(value);
  }

  WasmWriter name(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    u32(b.length);
    return bytes(b);
  }

  /** Writes section {@code id} with {@code payload}, prefixed by its size. */
  WasmWriter section(int id, WasmWriter payload) {
    u8(id);
    u32(payload.size);
    return bytes(payload);
  }
}
