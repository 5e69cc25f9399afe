package dev.tandem.registry.evm;

import dev.tandem.registry.Registry;
import dev.tandem.registry.store.SqliteRegistry;

/** The registry contract, on the embedded SQLite registry: the reference the EVM registry is held to. */
class SqliteRegistryContractTest extends AbstractRegistryContractTest {
  @Override
  protected Registry newRegistry() {
    return SqliteRegistry.inMemory();
  }
}
