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
 * A call's linear memory that starts as a {@link MemorySnapshot}: 64 KiB pages shared with the snapshot until the
 * call first writes one, which then gets its own copy (copy on write). Instantiating it copies nothing, and a call
 * copies only the pages it writes.
 *
 * <p>Behaves exactly like Chicory's own byte-array memory, traps and their messages included (the trap detail is
 * part of a call's outcome, so it must not depend on which memory ran it): an access outside the memory fails with
 * the same "out of bounds memory access" message, an access across a page boundary is done byte by byte, and an
 * active data segment is dropped after instantiation.
 */
final class SnapshotMemory extends UnsharedMemory {
  private static final int SHIFT = 16;
  private static final int MASK = PAGE_SIZE - 1;
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle DOUBLE =
      MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemoryLimits limits;
  private final MemorySnapshot snapshot;
  /**
   * The pages; page i is shared (the snapshot's, or {@link MemorySnapshot#ZERO_PAGE}) until its first write, when it
   * becomes this memory's own copy ({@code owned[i]}).
   */
  private byte[][] pages;
  private boolean[] owned;
  private int count;
  private DataSegment[] segments;

  SnapshotMemory(MemoryLimits limits, MemorySnapshot snapshot) {
    this.limits = limits;
    this.snapshot = snapshot;
    this.count = snapshot.pageCount();
    this.pages = new byte[count][];
    this.owned = new boolean[count];
    for (int i = 0; i < count; i++) {
      pages[i] = snapshot.page(i);
    }
  }

  /** Page {@code i} for writing: copied from the snapshot on the first write. */
  private byte[] writable(int i) {
    byte[] p = pages[i];
    if (!owned[i]) {
      p = p == MemorySnapshot.ZERO_PAGE ? new byte[PAGE_SIZE] : p.clone();
      pages[i] = p;
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
    byte[][] grown = Arrays.copyOf(pages, next);
    boolean[] grownOwned = Arrays.copyOf(owned, next);
    for (int i = previous; i < next; i++) {
      grown[i] = new byte[PAGE_SIZE];
      grownOwned[i] = true;
    }
    pages = grown;
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
   * snapshot's pages, which hold exactly that. The segments are kept for {@code memory.init}.
   */
  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    for (int i = 0; i < Math.min(count, snapshot.pageCount()); i++) {
      pages[i] = snapshot.page(i);
      owned[i] = false;
    }
    for (int i = snapshot.pageCount(); i < count; i++) {
      pages[i] = MemorySnapshot.ZERO_PAGE;
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
      int chunk = Math.min(size, PAGE_SIZE - at);
      System.arraycopy(data, offset, writable(addr >>> SHIFT), at, chunk);
      addr += chunk;
      offset += chunk;
      size -= chunk;
    }
  }

  @Override
  public byte read(int addr) {
    try {
      return pages[addr >>> SHIFT][addr & MASK];
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
      int chunk = Math.min(len - done, PAGE_SIZE - (a & MASK));
      System.arraycopy(pages[a >>> SHIFT], a & MASK, out, done, chunk);
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
    if (at + 2 <= PAGE_SIZE) {
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
    if (at + 4 <= PAGE_SIZE) {
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
    if (at + 8 <= PAGE_SIZE) {
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
    if (at + 4 <= PAGE_SIZE) {
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
    if (at + 8 <= PAGE_SIZE) {
      try {
        DOUBLE.set(writable(addr >>> SHIFT), at, data);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 8, sizeInBytes());
      }
    } else {
      writeLong(addr, Double.doubleToRawLongBits(data));
    }
  }

  /** A write across a page boundary: checked as a whole first, then byte by byte (little-endian). */
  private void writeBytewise(int addr, long data, int size) {
    MemoryBounds.check(addr, size, sizeInBytes());
    for (int i = 0; i < size; i++) {
      writeByte(addr + i, (byte) (data >>> (8 * i)));
    }
  }

  /** A read across a page boundary, byte by byte, each byte checked on its own (as Chicory's memory does). */
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
    if (at + 2 <= PAGE_SIZE) {
      try {
        return (short) SHORT.get(pages[addr >>> SHIFT], at);
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
    if (at + 4 <= PAGE_SIZE) {
      try {
        return (int) INT.get(pages[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 4, sizeInBytes());
      }
    }
    return (int) readBytewise(addr, 4);
  }

  @Override
  public long readLong(int addr) {
    int at = addr & MASK;
    if (at + 8 <= PAGE_SIZE) {
      try {
        return (long) LONG.get(pages[addr >>> SHIFT], at);
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
    if (at + 4 <= PAGE_SIZE) {
      try {
        return (float) FLOAT.get(pages[addr >>> SHIFT], at);
      } catch (RuntimeException e) {
        throw MemoryBounds.outOfBounds(e, addr, 4, sizeInBytes());
      }
    }
    return Float.intBitsToFloat(readInt(addr));
  }

  @Override
  public double readDouble(int addr) {
    int at = addr & MASK;
    if (at + 8 <= PAGE_SIZE) {
      try {
        return (double) DOUBLE.get(pages[addr >>> SHIFT], at);
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
    // Instantiation zeroes the memory before it applies the data segments (initialize above): pointing every page at
    // the shared zero page costs nothing, where filling them copied every snapshot page only to overwrite it.
    Arrays.fill(pages, 0, count, MemorySnapshot.ZERO_PAGE);
    Arrays.fill(owned, 0, count, false);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    int addr = fromIndex;
    int remaining = toIndex - fromIndex;
    MemoryBounds.check(addr, remaining, sizeInBytes());
    while (remaining > 0) {
      int at = addr & MASK;
      int chunk = Math.min(remaining, PAGE_SIZE - at);
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
