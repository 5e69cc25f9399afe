package dev.tandem.registry.evm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/** A local chain for a test class; its tests are skipped, with the reason, when anvil cannot run here. */
final class TestChain {
  /** Account 9 deploys; the registries under test write with accounts 0 to 4. */
  static final int DEPLOYER = 9;

  private TestChain() {}

  /** A started chain, or why there is none. */
  record Started(LocalChain chain, String unavailable) implements AutoCloseable {
    /** The chain, or skips the calling test saying why there is none. */
    LocalChain require() {
      Assumptions.assumeTrue(chain != null, unavailable);
      return chain;
    }

    @Override
    public void close() {
      if (chain != null) {
        chain.close();
      }
    }
  }

  static Started start() {
    try {
      return new Started(LocalChain.start(), null);
    } catch (LocalChain.Unavailable e) {
      String why = "skipped: no local chain (anvil from registry-evm/contracts) can run here: " + e.getMessage();
      System.err.println(why);
      return new Started(null, why);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh pair of registry contracts, so each test starts empty. */
  static EvmDeployment deploy(LocalChain chain, BigInteger minDeposit) {
    return EvmRegistry.deploy(chain.rpc(), LocalChain.devAccount(DEPLOYER), minDeposit);
  }

  /** A registry writing as dev account {@code account} (read-only when negative), polling often. */
  static EvmRegistry connect(EvmDeployment deployment, int account) {
    return EvmRegistry.connect(deployment, account < 0 ? null : LocalChain.devAccount(account),
        EvmRegistry.Options.defaults().withPollInterval(Duration.ofMillis(100)));
  }
}
