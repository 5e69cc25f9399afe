package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A call's linear memory that starts as a {@link MemorySnapshot}: 4 KiB chunks shared with the snapshot until the
 * call first writes one, which then gets its own copy (copy on write). Instantiating it copies nothing, and a call
 * copies only the chunks it writes.
 *
 * <p>Behaves exactly like Chicory's own byte-array memory, traps and their messages included (the trap detail is
 * part of a call's outcome, so it must not depend on which memory ran it): an access outside the memory fails with
 * the same "out of bounds memory access" message, an access across a chunk boundary is done byte by byte, and an
 * active data segment is dropped after instantiation.
 */
final class SnapshotMemory extends UnsharedMemory {
  private static final int SHIFT = MemorySnapshot.CHUNK_SHIFT;
  private static final int CHUNK = MemorySnapshot.CHUNK_SIZE;
  private static final int MASK = CHUNK - 1;
  private static final int PER_PAGE = MemorySnapshot.CHUNKS_PER_PAGE;
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle DOUBLE =
      MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemoryLimits limits;
  private final MemorySnapshot snapshot;
  /**
   * The chunks; chunk i is shared (the snapshot's, or {@link MemorySnapshot#ZERO_CHUNK}) until its first write, when
   * it becomes this memory's own copy ({@code owned[i]}).
   */
  private byte[][] chunks;
  private boolean[] owned;
  /** Size in WebAssembly pages. */
  private int count;
  private DataSegment[] segments;

  SnapshotMemory(MemoryLimits limits, MemorySnapshot snapshot) {
    this.limits = limits;
    this.snapshot = snapshot;
    this.count = snapshot.chunkCount() / PER_PAGE;
    this.chunks = new byte[snapshot.chunkCount()][];
    this.owned = new boolean[chunks.length];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = snapshot.chunk(i);
    }
  }

  /** Chunk {@code i} for writing: copied from the snapshot on the first write. */
  private byte[] writable(int i) {
    byte[] p = chunks[i];
    if (!owned[i]) {
      p = p == MemorySnapshot.ZERO_CHUNK ? new byte[CHUNK] : p.clone();
      chunks[i] = p;
      owned[i] = true;
    }
    return p;
  }

  private int sizeInBytes() {
    return count * PAGE_SIZE;
  }

  @Override
  public int pages() {
    return count;
  }

  @Override
  public int grow(int size) {
    int previous = count;
    int next = previous + size;
    if (next > maximumPages() || next < previous) {
      return -1;
    }
    // New pages are zero: they share the zero chunk until written, like the rest.
    byte[][] grown = Arrays.copyOf(chunks, next * PER_PAGE);
    Arrays.fill(grown, previous * PER_PAGE, next * PER_PAGE, MemorySnapshot.ZERO_CHUNK);
    boolean[] grownOwned = Arrays.copyOf(owned, next * PER_PAGE);
    chunks = grown;
    owned = grownOwned;
    count = next;
    return previous;
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
  }

  /**
   * Instantiation (which zeroes the memory first) applies the active segments: here that is going back to the
   * snapshot's chunks, which hold exactly that. The segments are kept for {@code memory.init}.
   */
  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    int total = count * PER_PAGE;
    for (int i = 0; i < Math.min(total, snapshot.chunkCount()); i++) {
      chunks[i] = snapshot.chunk(i);
      owned[i] = false;
    }
    for (int i = snapshot.chunkCount(); i < total; i++) {
      chunks[i] = MemorySnapshot.ZERO_CHUNK;
      owned[i] = false;
    }
    segments = dataSegments == null ? null : dataSegments.clone();
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    write(dest, segments[segmentId].data(), offset, size);
  }

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    MemoryBounds.check(offset, size, data.length);
    MemoryBounds.check(addr, size, sizeInBytes());
    while (size > 0) {
      int at = addr & MASK;
      int chunk = Math.min(size, CHUNK - at);
      System.arraycopy(data, offset, writable(addr >>> SHIFT), at, chunk);
      addr += chunk;
      offset += chunk;
      size -= chunk;
    }
  }

  @Override
  public byte read(int addr) {
    try {
      return chunks[addr >>> SHIFT][addr & MASK];
    } catch (RuntimeException e) {
      throw MemoryBounds.outOfBounds(e, addr, 1, sizeInBytes());
    }
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    MemoryBounds.check(addr, len, sizeInBytes());
    byte[] out = new byte[len];
    for (int done = 0; done < len; ) {
      int a = addr + done;
      int chunk = Math.min(len - done, CHUNK - (a & MASK));
      System.arraycopy(chunks[a >>> SHIFT], a & MASK, out, done, chunk);
      done += chunk;
    }
    return out;
  }

  @Override
  public void writeByte(int addr, byte data) {
    try {
      writable(addr >>> SHIFT)[addr & MASK] = data;
    } catch (RuntimeException e) {
      throw MemoryBounds.outOfBounds(e, addr, 1, sizeInBytes());
    }
  }

  @Override
  public void writeShort(int addr, short data) {
    int at = addr & MASK;
    if (at + 2 <= CHUNK) {
      try {
        SHORT.set(writable(addr >>> SHIFT), at, data);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 2, sizeInBytes());
      }
    } else {
      writeBytewise(addr, data, 2);
    }
  }

  @Override
  public void writeI32(int addr, int data) {
    int at = addr & MASK;
    if (at + 4 <= CHUNK) {
      try {
        INT.set(writable(addr >>> SHIFT), at, data);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 4, sizeInBytes());
      }
    } else {
      writeBytewise(addr, data, 4);
    }
  }

  @Override
  public void writeLong(int addr, long data) {
    int at = addr & MASK;
    if (at + 8 <= CHUNK) {
      try {
        LONG.set(writable(addr >>> SHIFT), at, data);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 8, sizeInBytes());
      }
    } else {
      writeBytewise(addr, data, 8);
    }
  }

  @Override
  public void writeF32(int addr, float data) {
    int at = addr & MASK;
    if (at + 4 <= CHUNK) {
      try {
        FLOAT.set(writable(addr >>> SHIFT), at, data);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 4, sizeInBytes());
      }
    } else {
      writeI32(addr, Float.floatToRawIntBits(data));
    }
  }

  @Override
  public void writeF64(int addr, double data) {
    int at = addr & MASK;
    if (at + 8 <= CHUNK) {
      try {
        DOUBLE.set(writable(addr >>> SHIFT), at, data);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 8, sizeInBytes());
      }
    } else {
      writeLong(addr, Double.doubleToRawLongBits(data));
    }
  }

  /** A write across a chunk boundary: checked as a whole first, then byte by byte (little-endian). */
  private void writeBytewise(int addr, long data, int size) {
    MemoryBounds.check(addr, size, sizeInBytes());
    for (int i = 0; i < size; i++) {
      writeByte(addr + i, (byte) (data >>> (8 * i)));
    }
  }

  /** A read across a chunk boundary, byte by byte, each byte checked on its own (as Chicory's memory does). */
  private long readBytewise(int addr, int size) {
    long v = 0;
    for (int i = 0; i < size; i++) {
      v |= (read(addr + i) & 0xFFL) << (8 * i);
    }
    return v;
  }

  @Override
  public short readShort(int addr) {
    int at = addr & MASK;
    if (at + 2 <= CHUNK) {
      try {
        return (short) SHORT.get(chunks[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 2, sizeInBytes());
      }
    }
    return (short) readBytewise(addr, 2);
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public int readInt(int addr) {
    int at = addr & MASK;
    if (at + 4 <= CHUNK) {
      try {
        return (int) INT.get(chunks[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 4, sizeInBytes());
      }
    }
    return (int) readBytewise(addr, 4);
  }

  @Override
  public long readLong(int addr) {
    int at = addr & MASK;
    if (at + 8 <= CHUNK) {
      try {
        return (long) LONG.get(chunks[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 8, sizeInBytes());
      }
    }
    return readBytewise(addr, 8);
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr);
  }

  @Override
  public float readFloat(int addr) {
    int at = addr & MASK;
    if (at + 4 <= CHUNK) {
      try {
        return (float) FLOAT.get(chunks[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 4, sizeInBytes());
      }
    }
    return Float.intBitsToFloat(readInt(addr));
  }

  @Override
  public double readDouble(int addr) {
    int at = addr & MASK;
    if (at + 8 <= CHUNK) {
      try {
        return (double) DOUBLE.get(chunks[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 8, sizeInBytes());
      }
    }
    return Double.longBitsToDouble(readLong(addr));
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  @Override
  public void zero() {
    // Instantiation zeroes the memory before it applies the data segments (initialize above): pointing every chunk at
    // the shared zero chunk costs nothing, where filling them copied every snapshot chunk only to overwrite it.
    Arrays.fill(chunks, 0, count * PER_PAGE, MemorySnapshot.ZERO_CHUNK);
    Arrays.fill(owned, 0, count * PER_PAGE, false);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    int addr = fromIndex;
    int remaining = toIndex - fromIndex;
    MemoryBounds.check(addr, remaining, sizeInBytes());
    while (remaining > 0) {
      int at = addr & MASK;
      int chunk = Math.min(remaining, CHUNK - at);
      Arrays.fill(writable(addr >>> SHIFT), at, at + chunk, value);
      addr += chunk;
      remaining -= chunk;
    }
  }

  @Override
  public void copy(int dest, int src, int size) {
    int limit = sizeInBytes();
    MemoryBounds.check(dest, size, limit);
    MemoryBounds.check(src, size, limit);
    // memmove semantics: read first, so an overlapping copy sees the original bytes.
    if (size > 0) {
      write(dest, readBytes(src, size), 0, size);
    }
  }

  @Override
  public void drop(int segment) {
    segments[segment] = PassiveDataSegment.EMPTY;
  }
}
