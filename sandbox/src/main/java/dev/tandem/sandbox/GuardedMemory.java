package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tandem.sandbox.engine.TrapKind;

/**
 * A module's linear memory that remembers whether {@code memory.grow} was refused. Wasm reports a refused grow only
 * as -1 to the module; a module that then traps (a failed {@code malloc} usually ends in {@code abort()}) is
 * reported as {@link TrapKind#MEMORY_LIMIT} instead of the trap it happened to hit. Whether a grow is refused depends
 * only on the limits, so this is as deterministic as the trap itself.
 */
final class GuardedMemory implements Memory {
  private final Memory delegate;
  private boolean growRefused;

  /**
   * @param snapshot the module's prepared initial memory (then the data segments are not applied again), or
   *     {@code null} to start from zeroed memory and apply them
   */
  GuardedMemory(MemoryLimits limits, MemorySnapshot snapshot) {
    this.delegate = snapshot == null ? new ByteArrayMemory(limits) : new SnapshotMemory(limits, snapshot);
  }

  /** Whether any {@code memory.grow} of this instance returned -1. */
  boolean growRefused() {
    return growRefused;
  }

  @Override
  public int grow(int size) {
    int previous = delegate.grow(size);
    if (previous < 0) {
      growRefused = true;
    }
    return previous;
  }

  @Override
  public int pages() {
    return delegate.pages();
  }

  @Override
  public int initialPages() {
    return delegate.initialPages();
  }

  @Override
  public int maximumPages() {
    return delegate.maximumPages();
  }

  @Override
  public boolean shared() {
    return delegate.shared();
  }

  @Override
  public Object lock(int address) {
    return delegate.lock(address);
  }

  @Override
  public int waitOn(int address, int expected, long timeout) {
    return delegate.waitOn(address, expected, timeout);
  }

  @Override
  public int waitOn(int address, long expected, long timeout) {
    return delegate.waitOn(address, expected, timeout);
  }

  @Override
  public int notify(int address, int maxThreads) {
    return delegate.notify(address, maxThreads);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    delegate.initialize(instance, dataSegments);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
    delegate.initialize(instance, dataSegments, memoryIndex);
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    delegate.initPassiveSegment(segmentId, dest, offset, size);
  }

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    delegate.write(addr, data, offset, size);
  }

  @Override
  public byte read(int addr) {
    return delegate.read(addr);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    return delegate.readBytes(addr, len);
  }

  @Override
  public void writeI32(int addr, int data) {
    delegate.writeI32(addr, data);
  }

  @Override
  public int readInt(int addr) {
    return delegate.readInt(addr);
  }

  @Override
  public void writeLong(int addr, long data) {
    delegate.writeLong(addr, data);
  }

  @Override
  public long readLong(int addr) {
    return delegate.readLong(addr);
  }

  @Override
  public void writeShort(int addr, short data) {
    delegate.writeShort(addr, data);
  }

  @Override
  public short readShort(int addr) {
    return delegate.readShort(addr);
  }

  @Override
  public long readU16(int addr) {
    return delegate.readU16(addr);
  }

  @Override
  public void writeByte(int addr, byte data) {
    delegate.writeByte(addr, data);
  }

  @Override
  public void writeF32(int addr, float data) {
    delegate.writeF32(addr, data);
  }

  @Override
  public long readF32(int addr) {
    return delegate.readF32(addr);
  }

  @Override
  public float readFloat(int addr) {
    return delegate.readFloat(addr);
  }

  @Override
  public void writeF64(int addr, double data) {
    delegate.writeF64(addr, data);
  }

  @Override
  public double readDouble(int addr) {
    return delegate.readDouble(addr);
  }

  @Override
  public long readF64(int addr) {
    return delegate.readF64(addr);
  }

  @Override
  public void zero() {
    delegate.zero();
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    delegate.fill(value, fromIndex, toIndex);
  }

  @Override
  public void copy(int dest, int src, int size) {
    delegate.copy(dest, src, size);
  }

  @Override
  public void drop(int segment) {
    delegate.drop(segment);
  }
}
