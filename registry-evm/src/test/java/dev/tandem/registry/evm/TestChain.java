package dev.tandem.registry.evm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/** A local chain for a test class, skipping the class with the reason when anvil cannot run here. */
final class TestChain {
  /** Account 9 deploys; the registries under test write with accounts 0 to 3. */
  static final int DEPLOYER = 9;

  private TestChain() {}

  static LocalChain startOrSkip() {
    try {
      return LocalChain.start();
    } catch (LocalChain.Unavailable e) {
      Assumptions.abort("no local chain (anvil from registry-evm/contracts) can run here: " + e.getMessage());
      throw new AssertionError("unreachable");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh pair of registry contracts, so each test starts empty. */
  static EvmDeployment deploy(LocalChain chain, BigInteger minDeposit) {
    return EvmRegistry.deploy(chain.rpc(), LocalChain.devAccount(DEPLOYER), minDeposit);
  }

  /** A registry writing as dev account {@code account}, polling often so tests need not wait long. */
  static EvmRegistry connect(EvmDeployment deployment, int account) {
    return EvmRegistry.connect(deployment, account < 0 ? null : LocalChain.devAccount(account),
        EvmRegistry.Options.defaults().withPollInterval(Duration.ofMillis(100)));
  }
}
