package dev.tandem.registry.evm;

import dev.tandem.registry.Registry;
import java.math.BigInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The registry contract, on an EVM chain: fresh contracts on a local anvil for each test. */
class EvmRegistryContractTest extends AbstractRegistryContractTest {
  private static LocalChain chain;

  @BeforeAll
  static void startChain() {
    chain = TestChain.startOrSkip();
  }

  @AfterAll
  static void stopChain() {
    if (chain != null) {
      chain.close();
    }
  }

  @Override
  protected Registry newRegistry() {
    return TestChain.connect(TestChain.deploy(chain, BigInteger.ZERO), 0);
  }
}
