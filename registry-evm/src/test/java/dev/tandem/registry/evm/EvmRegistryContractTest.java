package dev.tandem.registry.evm;

import dev.tandem.registry.Registry;
import java.math.BigInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The registry contract, on an EVM chain: fresh contracts on a local anvil for each test. */
class EvmRegistryContractTest extends AbstractRegistryContractTest {
  private static TestChain.Started started;

  @BeforeAll
  static void startChain() {
    started = TestChain.start();
  }

  @AfterAll
  static void stopChain() {
    started.close();
  }

  @Override
  protected Registry newRegistry() {
    return TestChain.connect(TestChain.deploy(started.require(), BigInteger.ZERO), 0);
  }
}
