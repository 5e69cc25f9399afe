/**
 * The registry on an EVM chain: {@link dev.tandem.registry.evm.EvmRegistry} implements
 * {@link dev.tandem.registry.Registry} on two contracts (sources and build script in {@code registry-evm/contracts/}),
 * which store and order the signed records while readers check them. {@link dev.tandem.registry.evm.EvmDeployment}
 * names a deployment, {@link dev.tandem.registry.evm.EthKeyFile} holds the Ethereum key that writes, and
 * {@link dev.tandem.registry.evm.LocalChain} runs a throwaway chain for tests and demos.
 */
package dev.tandem.registry.evm;
