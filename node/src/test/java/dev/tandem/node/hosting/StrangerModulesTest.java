package dev.tandem.node.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sandbox.GeneratedModules;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.ModuleShape;
import dev.tandem.sandbox.ModuleValidator;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stranger's module is loaded only within the heap calls may take, and a module found unfit stays refused. */
class StrangerModulesTest {

  private static ServiceRecord record(byte[] wasm) {
    return ServiceRecord.builder().name("stranger").module(Cid.rawSha256(wasm)).sign(KeyPair.generate());
  }

  @Test
  void aModuleThatMayTakeMoreHeapThanTheWholeBudgetIsNotLoaded() throws Exception {
    try (StrangerModules strangers = new StrangerModules(null, CallMemory.ofMegabytes(1))) {
      byte[] large = GeneratedModules.module(200, 10, -1);
      assertThat(ModuleShape.of(large).loadHeapBytes()).isGreaterThan(1 << 20);
      assertThatThrownBy(() -> strangers.load(record(large), large)).isInstanceOf(IOException.class)
          .hasMessageContaining("MB of heap to load, more than is free of the 1 MB this node gives calls "
              + "(--call-memory-mb)");

      byte[] small = GeneratedModules.module(1, 1, -1);
      assertThat(strangers.load(record(small), small).exports()).contains("tandem_call: (i32, i32) -> i64");
    }
  }

  @Test
  void aRejectedModuleIsRememberedByItsCid() throws Exception {
    try (StrangerModules strangers = new StrangerModules(null, CallMemory.ofMegabytes(0))) {
      byte[] unfit = GeneratedModules.module(0, 0, ModuleValidator.MAX_BR_TABLE_TARGETS);
      ServiceRecord record = record(unfit);
      Throwable first = catchThrowable(() -> strangers.load(record, unfit));
      assertThat(first).isInstanceOf(ModuleRejectedException.class).hasMessageContaining("br_table");
      assertThat(catchThrowable(() -> strangers.load(record, unfit))).isSameAs(first); // not validated again
    }
  }

  @Test
  void timeSpentWaitingForMemoryOthersHoldIsCountedAsWaitedNotWorked() throws Exception {
    CallMemory memory = CallMemory.ofMegabytes(1);
    try (StrangerModules strangers = new StrangerModules(null, memory)) {
      byte[] small = GeneratedModules.module(1, 1, -1);
      assertThat(memory.tryReserve(16)).as("calls hold the whole budget").isTrue();
      long before = WaitTime.nanos();
      long started = System.nanoTime();
      assertThatThrownBy(() -> strangers.load(record(small), small)).isInstanceOf(IOException.class)
          .hasMessageContaining("more than is free");
      long waited = WaitTime.nanos() - before;
      assertThat(waited).as("waited for memory, the whole %d s", StrangerModules.WAIT_SECONDS)
          .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(StrangerModules.WAIT_SECONDS) - TimeUnit.MILLISECONDS.toNanos(50))
          .isLessThanOrEqualTo(System.nanoTime() - started);

      memory.release(16);
      before = WaitTime.nanos();
      assertThat(strangers.load(record(small), small).exports()).contains("tandem_call: (i32, i32) -> i64");
      assertThat(WaitTime.nanos() - before).as("nothing held: no wait").isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }
}
