package dev.tandem.registry.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class EvmDeploymentTest {
  private static final String A = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  private static final String B = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

  @Test
  void aSpecReadsBackAsItWasWritten() {
    EvmDeployment d = EvmDeployment.parse("evm:http://127.0.0.1:8545@" + A + "," + B);
    assertThat(d.rpc()).isEqualTo(URI.create("http://127.0.0.1:8545"));
    assertThat(d.serviceRegistry()).isEqualTo(A);
    assertThat(d.serverRegistry()).isEqualTo(B);
    assertThat(EvmDeployment.parse(d.spec())).isEqualTo(d);
    assertThat(d.spec()).isEqualTo("evm:http://127.0.0.1:8545@" + A + "," + B);
  }

  @Test
  void thePrefixIsOptionalAddressesAreChecksummedAndTheUrlMayHoldAnAt() {
    EvmDeployment d = EvmDeployment.parse("https://user:pw@rpc.example/v1@" + A.toLowerCase() + ", " + B);
    assertThat(d.rpc()).isEqualTo(URI.create("https://user:pw@rpc.example/v1"));
    assertThat(d.serviceRegistry()).isEqualTo(A);
  }

  @Test
  void aMalformedSpecSaysWhatIsWrong() {
    assertThatThrownBy(() -> EvmDeployment.parse("evm:http://127.0.0.1:8545"))
        .hasMessageContaining("expected evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY");
    assertThatThrownBy(() -> EvmDeployment.parse("evm:http://127.0.0.1:8545@" + A))
        .hasMessageContaining("two contract addresses");
    assertThatThrownBy(() -> EvmDeployment.parse("evm:http://127.0.0.1:8545@" + A + ",0x12"))
        .hasMessageContaining("server registry address must be 0x and 40 hex digits");
    assertThatThrownBy(() -> EvmDeployment.parse("evm:ws://127.0.0.1:8545@" + A + "," + B))
        .hasMessageContaining("must be http(s)");
    assertThatThrownBy(() -> EvmDeployment.parse("evm:http://127.0.0.1:8545@" + A + "," + A))
        .hasMessageContaining("must be two contracts");
  }
}
