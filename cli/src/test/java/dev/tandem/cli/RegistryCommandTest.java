package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.registry.evm.EvmRegistry;
import dev.tandem.registry.evm.LocalChain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCommandTest {
  @TempDir Path tmp;

  @Test
  void deployPrintsBothAddressesAndASpecThatConnects() throws Exception {
    LocalChain chain;
    try {
      chain = LocalChain.start();
    } catch (LocalChain.Unavailable e) {
      Assumptions.abort("no local chain (anvil from registry-evm/contracts) can run here: " + e.getMessage());
      return;
    }
    try (chain) {
      Path key = LocalChain.writeDevKey(0, tmp.resolve("eth.key"));
      CliTest.Run r = CliTest.run("registry", "deploy", "--rpc", chain.rpc().toString(), "--eth-key", key.toString());
      assertThat(r.code()).as(r.err()).isZero();
      String[] lines = r.out().strip().split("\n");
      assertThat(lines).hasSize(3);
      assertThat(lines[0]).matches("service-registry 0x[0-9a-fA-F]{40}");
      assertThat(lines[1]).matches("server-registry  0x[0-9a-fA-F]{40}");
      String spec = lines[2].substring("registry".length()).strip();
      assertThat(spec).isEqualTo("evm:" + chain.rpc() + "@" + lines[0].substring(17) + "," + lines[1].substring(17));
      dev.tandem.core.record.ServiceRecord echo = dev.tandem.core.record.ServiceRecord.builder().name("echo")
          .module(dev.tandem.core.cid.Cid.rawSha256(new byte[] {1})).sign(dev.tandem.core.crypto.KeyPair.generate());
      try (EvmRegistry registry = EvmRegistry.connect(spec, key)) {
        assertThat(registry.services()).isEmpty();
        assertThat(registry.address()).contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        registry.submit(echo);
      }
      // what the chain holds, listed without a node and without a key
      CliTest.Run services = CliTest.run("services", "--registry", spec, "--json");
      assertThat(services.code()).as(services.err()).isZero();
      assertThat(services.out()).contains(echo.serviceId());
      CliTest.Run servers = CliTest.run("servers", "--registry", spec);
      assertThat(servers.code()).as(servers.err()).isZero();
      assertThat(servers.out()).startsWith("URL");
    }
  }

  @Test
  void aKeyOthersCanReadOrAnUnreachableChainIsOneClearLine() throws Exception {
    Path key = LocalChain.writeDevKey(0, tmp.resolve("eth.key"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    CliTest.Run open = CliTest.run("registry", "deploy", "--rpc", "http://127.0.0.1:9", "--eth-key", key.toString());
    assertThat(open.code()).isEqualTo(2);
    assertThat(open.err()).startsWith("tandem registry deploy: Ethereum key file").contains("chmod 600");

    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    CliTest.Run down = CliTest.run("registry", "deploy", "--rpc", "http://127.0.0.1:9", "--eth-key", key.toString());
    assertThat(down.code()).isEqualTo(1);
    assertThat(down.err()).startsWith("tandem registry deploy: cannot reach the Ethereum node at "
        + "http://127.0.0.1:9").doesNotContain("\tat ").doesNotContain("Exception");
  }
}
