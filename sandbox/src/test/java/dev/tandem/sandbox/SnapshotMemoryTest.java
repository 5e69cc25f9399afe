package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A call's memory made from the module's snapshot is the memory applying its data segments makes, byte for byte. */
class SnapshotMemoryTest {
  private static final byte[] SEARCH = TestSupport.read(TestSupport.repoRoot().resolve("services/search/search.wasm"));

  @Test
  void snapshotHoldsWhatTheDataSegmentsWrite() {
    WasmModule module = Parser.parse(SEARCH);
    int pages = module.memorySection().get().getMemory(0).limits().initialPages();
    MemorySnapshot snapshot = MemorySnapshot.of(module, pages);
    assertThat(snapshot).isNotNull();
    MemoryLimits limits = new MemoryLimits(pages, pages + 4);
    Memory applied = new ByteArrayMemory(limits);
    Instance instance = instance(module);
    applied.initialize(instance, module.dataSection().dataSegments());
    Memory fromSnapshot = new SnapshotMemory(limits, snapshot);
    fromSnapshot.initialize(instance, module.dataSection().dataSegments());
    assertThat(fromSnapshot.readBytes(0, pages * Memory.PAGE_SIZE))
        .isEqualTo(applied.readBytes(0, pages * Memory.PAGE_SIZE));
  }

  @Test
  void writesAreTheCallsOwnAndEveryAccessMatchesChicorysMemory() {
    WasmModule module = Parser.parse(SEARCH);
    int pages = module.memorySection().get().getMemory(0).limits().initialPages();
    MemorySnapshot snapshot = MemorySnapshot.of(module, pages);
    MemoryLimits limits = new MemoryLimits(pages, pages + 2);
    Instance instance = instance(module);
    Memory reference = new ByteArrayMemory(limits);
    reference.initialize(instance, module.dataSection().dataSegments());
    Memory mine = new SnapshotMemory(limits, snapshot);
    mine.initialize(instance, module.dataSection().dataSegments());
    Random random = new Random(7);
    int size = pages * Memory.PAGE_SIZE;
    for (int i = 0; i < 20_000; i++) {
      // Anywhere, or astride a copy-on-write chunk boundary (4 KiB), which a page boundary is too.
      int addr = random.nextBoolean() ? random.nextInt(size + 16) - 8
          : random.nextInt(size / MemorySnapshot.CHUNK_SIZE + 1) * MemorySnapshot.CHUNK_SIZE - 4 - random.nextInt(8)
              + random.nextInt(8);
      long value = random.nextLong();
      int op = random.nextInt(8);
      Object expected = apply(reference, op, addr, value);
      Object actual = apply(mine, op, addr, value);
      assertThat(actual).as("op %d at %d", op, addr).isEqualTo(expected);
      if (i == 10_000) {
        assertThat(reference.grow(1)).isEqualTo(mine.grow(1));
        size += Memory.PAGE_SIZE;
      }
    }
    assertThat(mine.readBytes(0, size)).isEqualTo(reference.readBytes(0, size));
    mine.copy(100, 70_000, 200_000);
    reference.copy(100, 70_000, 200_000);
    mine.fill((byte) 9, 65_530, 65_600);
    reference.fill((byte) 9, 65_530, 65_600);
    assertThat(mine.readBytes(0, size)).isEqualTo(reference.readBytes(0, size));
    // Another instance from the same snapshot does not see this one's writes.
    Memory fresh = new SnapshotMemory(limits, snapshot);
    Memory freshReference = new ByteArrayMemory(limits);
    freshReference.initialize(instance, module.dataSection().dataSegments());
    assertThat(fresh.readBytes(0, pages * Memory.PAGE_SIZE))
        .isEqualTo(freshReference.readBytes(0, pages * Memory.PAGE_SIZE));
    assertThatThrownBy(() -> fresh.readInt(-4)).hasMessageStartingWith("out of bounds memory access");
  }

  /** An instance that is never run: search imports the input functions, so they are given (with no inputs). */
  private static Instance instance(WasmModule module) {
    return Instance.builder(module).withImportValues(ImportValues.builder().withFunctions(Inputs.NONE.functions())
        .build()).withInitialize(false).withStart(false).build();
  }

  /** One access; a trap is returned as its message, so both memories must fail alike. */
  private static Object apply(Memory m, int op, int addr, long value) {
    try {
      return switch (op) {
        case 0 -> m.readInt(addr);
        case 1 -> m.readLong(addr);
        case 2 -> m.readShort(addr);
        case 3 -> m.read(addr);
        case 4 -> {
          m.writeI32(addr, (int) value);
          yield null;
        }
        case 5 -> {
          m.writeLong(addr, value);
          yield null;
        }
        case 6 -> {
          m.writeF64(addr, Double.longBitsToDouble(value));
          yield m.readDouble(addr);
        }
        default -> {
          m.writeByte(addr, (byte) value);
          yield m.readU16(addr);
        }
      };
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }
}
