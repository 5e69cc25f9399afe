package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.Memory;

/**
 * The part of Chicory's {@link Memory} that belongs to the threads proposal, for a memory that is never shared: a
 * service call runs on one thread, and the validator rejects shared memories, so {@code memory.atomic.wait} can
 * never be reached and {@code notify} wakes nobody (what the specification says for an unshared memory).
 */
abstract class UnsharedMemory implements Memory {
  @Override
  public final boolean shared() {
    return false;
  }

  @Override
  @Deprecated
  public final Object lock(int address) {
    throw new UnsupportedOperationException("memory is not shared");
  }

  @Override
  public final int waitOn(int address, int expected, long timeout) {
    throw new UnsupportedOperationException("memory is not shared");
  }

  @Override
  public final int waitOn(int address, long expected, long timeout) {
    throw new UnsupportedOperationException("memory is not shared");
  }

  @Override
  public final int notify(int address, int maxThreads) {
    return 0;
  }
}
