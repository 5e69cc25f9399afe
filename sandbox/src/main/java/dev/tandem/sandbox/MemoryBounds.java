package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.WasmRuntimeException;

/**
 * Out-of-bounds traps worded exactly as Chicory's own byte-array memory words them. The trap detail is part of a
 * call's outcome and {@link Traps} recognizes the kind by this message's prefix, so a memory of ours must fail with
 * the same text as Chicory's for the same access.
 */
final class MemoryBounds {
  private MemoryBounds() {}

  /** Fails unless {@code size} bytes at {@code addr} lie within {@code limit} bytes. */
  static void check(int addr, int size, int limit) {
    if (addr < 0 || size < 0 || addr > limit || (size > 0 && addr + size > limit)) {
      throw outOfBounds(addr, limit, size);
    }
  }

  static WasmRuntimeException outOfBounds(int addr, int limit, int size) {
    return new WasmRuntimeException("out of bounds memory access: attempted to access address: " + addr
        + " but limit is: " + limit + " and size: " + size);
  }

  /**
   * The trap for a fast access that failed on the Java array ({@code e}) rather than on a bounds check made
   * beforehand: the hot paths let the array fail instead of checking first. Anything else is passed on unchanged.
   */
  static RuntimeException outOfBounds(RuntimeException e, int addr, int size, int limit) {
    if (e instanceof IndexOutOfBoundsException || e instanceof IllegalArgumentException
        || e instanceof NullPointerException || e instanceof NegativeArraySizeException) {
      return outOfBounds(addr, limit, size);
    }
    return e;
  }
}
