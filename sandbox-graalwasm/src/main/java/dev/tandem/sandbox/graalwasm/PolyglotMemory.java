package dev.tandem.sandbox.graalwasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.DataSegment;
import java.nio.ByteOrder;
import org.graalvm.polyglot.Value;

/**
 * A GraalWasm memory seen through Chicory's {@link Memory} interface, so that the sandbox's host functions (WASI,
 * inputs) run unchanged on GraalWasm. Only reads and writes: growing, atomics and segments belong to the module.
 */
final class PolyglotMemory implements Memory {
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private final Value memory;

  PolyglotMemory(Value memory) {
    this.memory = memory;
  }

  /** Writes {@code length} bytes eight at a time (the polyglot API has no bulk write). */
  static void write(Value memory, long address, byte[] data, int offset, int length) {
    try {
      int i = 0;
      for (; i + 8 <= length; i += 8) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
          v = (v << 8) | (data[offset + i + k] & 0xffL);
        }
        memory.writeBufferLong(LE, address + i, v);
      }
      for (; i < length; i++) {
        memory.writeBufferByte(address + i, data[offset + i]);
      }
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds();
    }
  }

  private static ChicoryException outOfBounds() {
    return new ChicoryException("out of bounds memory access");
  }

  private long at(int address, int size) {
    long a = Integer.toUnsignedLong(address);
    if (a + size > memory.getBufferSize()) {
      throw outOfBounds();
    }
    return a;
  }

  @Override
  public int pages() {
    return (int) (memory.getBufferSize() >>> 16);
  }

  @Override
  public int grow(int size) {
    throw new UnsupportedOperationException("host functions do not grow memory");
  }

  @Override
  public int initialPages() {
    return pages();
  }

  @Override
  public int maximumPages() {
    return pages();
  }

  @Override
  public boolean shared() {
    return false;
  }

  @Override
  public Object lock(int address) {
    return this;
  }

  @Override
  public int waitOn(int address, int expected, long timeout) {
    throw new UnsupportedOperationException("no shared memory");
  }

  @Override
  public int waitOn(int address, long expected, long timeout) {
    throw new UnsupportedOperationException("no shared memory");
  }

  @Override
  public int notify(int address, int maxThreads) {
    return 0;
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments) {
    // the module's data segments are GraalWasm's to apply; this view's own module has none
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    throw new UnsupportedOperationException("host functions do not initialize segments");
  }

  @Override
  public void write(int address, byte[] data, int offset, int size) {
    write(memory, at(address, size), data, offset, size);
  }

  @Override
  public byte read(int address) {
    return memory.readBufferByte(at(address, 1));
  }

  @Override
  public byte[] readBytes(int address, int length) {
    byte[] out = new byte[length];
    memory.readBuffer(at(address, length), out, 0, length);
    return out;
  }

  @Override
  public void writeI32(int address, int value) {
    memory.writeBufferInt(LE, at(address, 4), value);
  }

  @Override
  public int readInt(int address) {
    return memory.readBufferInt(LE, at(address, 4));
  }

  @Override
  public void writeLong(int address, long value) {
    memory.writeBufferLong(LE, at(address, 8), value);
  }

  @Override
  public long readLong(int address) {
    return memory.readBufferLong(LE, at(address, 8));
  }

  @Override
  public void writeShort(int address, short value) {
    memory.writeBufferShort(LE, at(address, 2), value);
  }

  @Override
  public short readShort(int address) {
    return memory.readBufferShort(LE, at(address, 2));
  }

  @Override
  public long readU16(int address) {
    return readShort(address) & 0xffffL;
  }

  @Override
  public void writeByte(int address, byte value) {
    memory.writeBufferByte(at(address, 1), value);
  }

  @Override
  public void writeF32(int address, float value) {
    writeI32(address, Float.floatToRawIntBits(value));
  }

  @Override
  public long readF32(int address) {
    return readInt(address) & 0xffff_ffffL;
  }

  @Override
  public float readFloat(int address) {
    return Float.intBitsToFloat(readInt(address));
  }

  @Override
  public void writeF64(int address, double value) {
    writeLong(address, Double.doubleToRawLongBits(value));
  }

  @Override
  public double readDouble(int address) {
    return Double.longBitsToDouble(readLong(address));
  }

  @Override
  public long readF64(int address) {
    return readLong(address);
  }

  @Override
  public void zero() {
    // Chicory clears a fresh instance's memory; this view's memory is the module's, already initialized.
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    for (int i = fromIndex; i < toIndex; i++) {
      writeByte(i, value);
    }
  }

  @Override
  public void drop(int segment) {
    throw new UnsupportedOperationException("host functions do not drop segments");
  }
}
