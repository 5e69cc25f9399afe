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
 * read-only, by every call's instance ({@link SnapshotMemory} copies a chunk only when the call first writes it).
 * What a call sees is byte for byte what applying the segments to a zeroed memory gives, so "a fresh instance per
 * call" holds exactly; only the copying is saved (for a module with 900 KB of data, most of its instantiation).
 *
 * <p>Prepared only when every data segment is active with a constant {@code i32.const} offset inside the initial
 * memory: anything else (an offset read from a global, a segment out of bounds, which fails instantiation) takes the
 * ordinary path of applying segments per call.
 */
final class MemorySnapshot {
  /**
   * Copy on write works on 4 KiB chunks, not on WebAssembly's 64 KiB pages: a small call writes a few hundred bytes
   * of stack and heap, and copying whole pages for them was a third of a node's time answering echo.
   */
  static final int CHUNK_SHIFT = 12;
  static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
  static final int CHUNKS_PER_PAGE = Memory.PAGE_SIZE / CHUNK_SIZE;
  /** The chunk every all-zero chunk shares. Never written: {@link SnapshotMemory} copies first. */
  static final byte[] ZERO_CHUNK = new byte[CHUNK_SIZE];

  private final byte[][] chunks;

  private MemorySnapshot(byte[][] chunks) {
    this.chunks = chunks;
  }

  /** The snapshot of {@code module}'s initial memory of {@code initialPages}, or {@code null} when not possible. */
  static MemorySnapshot of(WasmModule module, int initialPages) {
    DataSegment[] segments = module.dataSection() == null ? new DataSegment[0] : module.dataSection().dataSegments();
    long size = (long) initialPages * Memory.PAGE_SIZE;
    byte[][] chunks = new byte[initialPages * CHUNKS_PER_PAGE][];
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
      write(chunks, (int) offset, data);
    }
    for (int i = 0; i < chunks.length; i++) {
      if (chunks[i] == null || isZero(chunks[i])) {
        chunks[i] = ZERO_CHUNK;
      }
    }
    return new MemorySnapshot(chunks);
  }

  /** Number of chunks the snapshot covers (the memory's initial size). */
  int chunkCount() {
    return chunks.length;
  }

  /** Chunk {@code i}, shared: callers must not write it. */
  byte[] chunk(int i) {
    return chunks[i];
  }

  private static void write(byte[][] chunks, int addr, byte[] data) {
    int from = 0;
    while (from < data.length) {
      int index = addr >>> CHUNK_SHIFT;
      int at = addr & (CHUNK_SIZE - 1);
      int n = Math.min(data.length - from, CHUNK_SIZE - at);
      if (chunks[index] == null) {
        chunks[index] = new byte[CHUNK_SIZE];
      }
      System.arraycopy(data, from, chunks[index], at, n);
      addr += n;
      from += n;
    }
  }

  private static boolean isConstant(List<Instruction> offset) {
    return !offset.isEmpty() && offset.get(0).opcode() == OpCode.I32_CONST
        && (offset.size() == 1 || (offset.size() == 2 && offset.get(1).opcode() == OpCode.END));
  }

  private static boolean isZero(byte[] chunk) {
    return Arrays.equals(chunk, ZERO_CHUNK);
  }
}
