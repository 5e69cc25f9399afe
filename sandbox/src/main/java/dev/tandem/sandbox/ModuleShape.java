package dev.tandem.sandbox;

/**
 * What loading a module will cost, read from its section headers alone, without parsing it: its size, the bytes of
 * its code and how many functions it defines. Validating, metering, parsing and compiling a module cost in proportion
 * to {@link #loadWeight()}, its code plus the metering each function gets; data segments cost little. A node or a
 * client uses it to decide, before it pays for a load, whether a stranger's module is worth loading.
 *
 * <p>Measured on a 2-core machine: modules of 8 MB of code took 12–25 s to load and compile, and up to 1 GB of heap
 * while they did; one of 400 KB with 100,000 empty functions (6.8 MB of weight) took 9 s.
 *
 * @param bytes     the module's size
 * @param codeBytes the size of its code section (0 when it has none)
 * @param functions the functions it defines
 */
public record ModuleShape(long bytes, long codeBytes, long functions) {
  /** Bytes the metering adds to each function, about: its prologue checks fuel and call depth. */
  static final int METERING_BYTES_PER_FUNCTION = 64;
  /** Heap a load may take per byte of weight, at most (measured: about 100 while parsing and compiling). */
  static final int HEAP_BYTES_PER_WEIGHT = 128;

  /**
   * The shape of {@code wasm}. Bytes that are not a well-formed module's sections are all taken as code, so a module
   * that cannot be read is never judged lighter than it may be (loading rejects it).
   */
  public static ModuleShape of(byte[] wasm) {
    ModuleShape unread = new ModuleShape(wasm.length, wasm.length, 0);
    if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 'a' || wasm[2] != 's' || wasm[3] != 'm') {
      return unread;
    }
    int[] at = {8};
    while (at[0] < wasm.length) {
      int id = wasm[at[0]++] & 0xFF;
      long size = leb(wasm, at);
      if (size < 0 || size > wasm.length - at[0]) {
        return unread;
      }
      if (id == 10) {
        int[] body = {at[0]};
        long count = leb(wasm, body);
        return count < 0 || body[0] > at[0] + size ? unread : new ModuleShape(wasm.length, size, count);
      }
      at[0] += (int) size;
    }
    return new ModuleShape(wasm.length, 0, 0);
  }

  /** The code plus the metering its functions get: what loading costs in proportion to. */
  public long loadWeight() {
    return codeBytes + METERING_BYTES_PER_FUNCTION * functions;
  }

  /** The most heap loading it may take, with the module's own bytes held twice (its data segments are copied). */
  public long loadHeapBytes() {
    return HEAP_BYTES_PER_WEIGHT * loadWeight() + 2 * bytes;
  }

  /** An unsigned LEB128 of at most 32 bits at {@code at[0]}, which moves past it; -1 when malformed. */
  static long leb(byte[] b, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (at[0] >= b.length) {
        return -1;
      }
      int x = b[at[0]++] & 0xFF;
      value |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return value;
      }
    }
    return -1;
  }
}
