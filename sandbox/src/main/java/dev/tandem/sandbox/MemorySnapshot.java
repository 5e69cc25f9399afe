package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import java.util.Arrays;
import java.util.List;

/**
 * A module's initial memory with its data segments already applied, prepared once per loaded module and shared,
 * read-only, by every call's instance ({@link SnapshotMemory} copies a page only when the call first writes it).
 * What a call sees is byte for byte what applying the segments to a zeroed memory gives, so "a fresh instance per
 * call" holds exactly; only the copying is saved (for a module with 900 KB of data, most of its instantiation).
 *
 * <p>Prepared only when every data segment is active with a constant {@code i32.const} offset inside the initial
 * memory: anything else (an offset read from a global, a segment out of bounds, which fails instantiation) takes the
 * ordinary path of applying segments per call.
 */
final class MemorySnapshot {
  /** The page every all-zero page of a snapshot shares. Never written: {@link SnapshotMemory} copies first. */
  static final byte[] ZERO_PAGE = new byte[Memory.PAGE_SIZE];

  private final byte[][] pages;

  private MemorySnapshot(byte[][] pages) {
    this.pages = pages;
  }

  /** The snapshot of {@code module}'s initial memory of {@code initialPages}, or {@code null} when not possible. */
  static MemorySnapshot of(WasmModule module, int initialPages) {
    DataSegment[] segments = module.dataSection() == null ? new DataSegment[0] : module.dataSection().dataSegments();
    long size = (long) initialPages * Memory.PAGE_SIZE;
    byte[][] pages = new byte[initialPages][];
    for (DataSegment s : segments) {
      if (!(s instanceof ActiveDataSegment active) || active.index() != 0 || !isConstant(active.offsetInstructions())) {
        return null;
      }
      Instruction first = active.offsetInstructions().get(0);
      long offset = Integer.toUnsignedLong((int) first.operand(0));
      byte[] data = active.data();
      if (offset + data.length > size) {
        return null;
      }
      write(pages, (int) offset, data);
    }
    for (int i = 0; i < pages.length; i++) {
      if (pages[i] == null || isZero(pages[i])) {
        pages[i] = ZERO_PAGE;
      }
    }
    return new MemorySnapshot(pages);
  }

  /** Number of pages the snapshot covers (the memory's initial size). */
  int pageCount() {
    return pages.length;
  }

  /** Page {@code i}, shared: callers must not write it. */
  byte[] page(int i) {
    return pages[i];
  }

  private static void write(byte[][] pages, int addr, byte[] data) {
    int from = 0;
    while (from < data.length) {
      int page = addr >>> 16;
      int at = addr & (Memory.PAGE_SIZE - 1);
      int chunk = Math.min(data.length - from, Memory.PAGE_SIZE - at);
      if (pages[page] == null) {
        pages[page] = new byte[Memory.PAGE_SIZE];
      }
      System.arraycopy(data, from, pages[page], at, chunk);
      addr += chunk;
      from += chunk;
    }
  }

  private static boolean isConstant(List<Instruction> offset) {
    return !offset.isEmpty() && offset.get(0).opcode() == OpCode.I32_CONST
        && (offset.size() == 1 || (offset.size() == 2 && offset.get(1).opcode() == OpCode.END));
  }

  private static boolean isZero(byte[] page) {
    return Arrays.equals(page, ZERO_PAGE);
  }
}
