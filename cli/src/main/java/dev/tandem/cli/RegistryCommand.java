package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.registry.evm.EthKeyFile;
import dev.tandem.registry.evm.EvmDeployment;
import dev.tandem.registry.evm.EvmRegistry;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem registry}: the registry on an EVM chain. */
@Command(name = "registry", description = "Manage the on-chain registry: deploy.", mixinStandardHelpOptions = true,
    subcommands = {RegistryCommand.Deploy.class})
final class RegistryCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "deploy", mixinStandardHelpOptions = true,
      description = {"Deploy the ServiceRegistry and ServerRegistry contracts and print their addresses, then the "
          + "spec for --registry:",
          "  service-registry 0x…",
          "  server-registry  0x…",
          "  registry         evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY"})
  static final class Deploy implements Callable<Integer> {
    @Option(names = "--rpc", required = true, paramLabel = "URL", description = "the chain's JSON-RPC endpoint")
    URI rpc;

    @Option(names = "--eth-key", required = true, paramLabel = "FILE",
        description = "the deployer's Ethereum private key: 64 hex digits in an owner-only file; it pays the gas")
    Path ethKey;

    @Option(names = "--min-deposit", defaultValue = "0", paramLabel = "WEI",
        description = "what an active server must deposit, refunded when it retires (default 0: none)")
    BigInteger minDeposit;

    @Option(names = "--json", description = "print one JSON object instead")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (minDeposit.signum() < 0) {
        throw new Errors.UserException("--min-deposit must be 0 or more wei, got " + minDeposit);
      }
      Credentials deployer = EthKeyFile.read(ethKey);
      EvmDeployment d = EvmRegistry.deploy(rpc, deployer, minDeposit);
      if (json) {
        ObjectNode out = Json.object();
        out.put("serviceRegistry", d.serviceRegistry());
        out.put("serverRegistry", d.serverRegistry());
        out.put("registry", d.spec());
        System.out.println(out.toPrettyString());
      } else {
        System.out.println("service-registry " + d.serviceRegistry());
        System.out.println("server-registry  " + d.serverRegistry());
        System.out.println("registry         " + d.spec());
      }
      return 0;
    }
  }
}
