package dev.tandem.registry.evm;

import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;

/** Deploys the two registry contracts, and checks that a deployment holds them before it is used. */
final class Contracts {
  static final String SERVICE_VERSION = "tandem-service-registry-v1";
  static final String SERVER_VERSION = "tandem-server-registry-v1";

  private static final Logger LOG = LoggerFactory.getLogger(Contracts.class);

  private Contracts() {}

  /** What a reader needs to know of a deployment. */
  record Info(long chainId, long deployedAt, BigInteger minDeposit) {}

  /**
   * Checks that both addresses hold the expected contracts and reads their settings.
   *
   * @throws EvmException saying which address is wrong, and how
   */
  static Info check(EthRpc rpc, EvmDeployment d) {
    long chainId = rpc.chainId();
    checkContract(rpc, d.serviceRegistry(), SERVICE_VERSION, "service");
    checkContract(rpc, d.serverRegistry(), SERVER_VERSION, "server");
    long deployedAt = Math.min(uint(rpc, d.serviceRegistry(), RegistryAbi.deployedAt()).longValueExact(),
        uint(rpc, d.serverRegistry(), RegistryAbi.deployedAt()).longValueExact());
    return new Info(chainId, deployedAt, uint(rpc, d.serverRegistry(), RegistryAbi.minDeposit()));
  }

  private static BigInteger uint(EthRpc rpc, String address, String call) {
    return RegistryAbi.decodeUint(rpc.call(null, address, null, call, "latest"));
  }

  private static void checkContract(EthRpc rpc, String address, String expected, String kind) {
    String code = rpc.code(address);
    if (code == null || code.isEmpty() || code.equals("0x")) {
      throw new EvmException("there is no contract at " + address + " on " + rpc.url() + " (the " + kind
          + " registry's address)");
    }
    String version;
    try {
      version = RegistryAbi.decodeString(rpc.call(null, address, null, RegistryAbi.version(), "latest"));
    } catch (RuntimeException e) {
      version = null;
    }
    if (!expected.equals(version)) {
      throw new EvmException("the contract at " + address + " is not a Tandem " + kind + " registry (it says "
          + (version == null ? "nothing" : "\"" + version + "\"") + ", expected \"" + expected + "\"): "
          + "are the two addresses swapped?");
    }
  }

  /** Deploys a ServiceRegistry and a ServerRegistry with {@code deployer}'s key. */
  static EvmDeployment deploy(URI rpcUrl, Credentials deployer, BigInteger minDeposit, Duration rpcTimeout,
      Duration receiptTimeout) {
    if (minDeposit.signum() < 0) {
      throw new IllegalArgumentException("the minimum deposit must be 0 or more wei, got " + minDeposit);
    }
    try (EthRpc rpc = new EthRpc(rpcUrl, rpcTimeout)) {
      Transactor tx = new Transactor(rpc, deployer, rpc.chainId(), receiptTimeout);
      EthRpc.Receipt services = tx.send(null, BigInteger.ZERO,
          RegistryAbi.creationCode(Artifact.SERVICE_REGISTRY), "service", "deploy ServiceRegistry");
      EthRpc.Receipt servers = tx.send(null, BigInteger.ZERO,
          RegistryAbi.creationCode(Artifact.SERVER_REGISTRY, new Uint256(minDeposit)), "server",
          "deploy ServerRegistry");
      EvmDeployment deployment = new EvmDeployment(rpcUrl, services.contractAddress(), servers.contractAddress());
      LOG.info("deployed the registry contracts from {}: {}", tx.address(), deployment);
      return deployment;
    }
  }
}
