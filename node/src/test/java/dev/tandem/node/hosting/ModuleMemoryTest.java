package dev.tandem.node.hosting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Offered services' modules take the heap they may need, within a budget; withdrawn ones give it back. */
class ModuleMemoryTest {
  @Test
  void modulesFitUpToTheBudgetAndWithdrawnOnesMakeRoom() {
    ModuleMemory memory = ModuleMemory.ofMegabytes(10);
    assertThat(memory.reserve("a", 4L << 20)).isNull();
    assertThat(memory.reserve("b", 4L << 20)).isNull();
    assertThat(memory.reserve("c", 4L << 20)).isEqualTo("module too large for this node: it may take 4 MB of "
        + "heap, and 2 MB are free of the 10 MB modules get (--module-memory-mb)");
    assertThat(memory.reserve("a", 6L << 20)).as("a service's new module replaces its old one").isNull();
    memory.keepOnly(Set.of("b"));
    assertThat(memory.reserve("c", 6L << 20)).as("a withdrawn, its room is free").isNull();
    memory.release("b");
    assertThat(memory.reserve("d", 4L << 20)).isNull();
  }
}
