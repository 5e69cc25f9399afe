package dev.tandem.registry.evm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;

/** The hand-written Java side of the ABI against the compiled contracts: nothing missing, nothing misspelled. */
class RegistryAbiTest {
  private static final byte[] RECORD = {'{', '}'};

  private static Set<String> hashes(Artifact a, String type, int hexChars) {
    return a.signatures(type).stream().map(s -> Hash.sha3String(s).substring(0, hexChars))
        .collect(Collectors.toSet());
  }

  @Test
  void everyEventIsKnownOnBothSides() {
    for (Artifact a : List.of(Artifact.SERVICE_REGISTRY, Artifact.SERVER_REGISTRY)) {
      boolean service = a == Artifact.SERVICE_REGISTRY;
      Set<String> declared = java.util.Arrays.stream(ChainEvent.Kind.values()).filter(k -> k.service == service)
          .map(k -> k.topic).collect(Collectors.toSet());
      assertThat(declared).as(a.name() + " events").isEqualTo(hashes(a, "event", 66));
    }
  }

  @Test
  void everyCallTheJavaSideMakesExistsInTheContract() {
    assertThat(hashes(Artifact.SERVICE_REGISTRY, "function", 10)).contains(
        RegistryAbi.registerService("x", RECORD).substring(0, 10),
        RegistryAbi.retireService("x").substring(0, 10),
        RegistryAbi.transferService("x", "0x0000000000000000000000000000000000000001").substring(0, 10),
        RegistryAbi.service("x").substring(0, 10),
        RegistryAbi.version(), RegistryAbi.deployedAt());
    assertThat(hashes(Artifact.SERVER_REGISTRY, "function", 10)).contains(
        RegistryAbi.registerServer("x", 1, RECORD).substring(0, 10),
        RegistryAbi.updateServer("x", 1, RECORD).substring(0, 10),
        RegistryAbi.retireServer("x", 1, RECORD).substring(0, 10),
        RegistryAbi.transferServer("x", "0x0000000000000000000000000000000000000001").substring(0, 10),
        RegistryAbi.server("x").substring(0, 10),
        RegistryAbi.version(), RegistryAbi.deployedAt(), RegistryAbi.minDeposit());
  }

  @Test
  void everyErrorTheContractsDeclareIsExplainedInWords() {
    for (Artifact a : List.of(Artifact.SERVICE_REGISTRY, Artifact.SERVER_REGISTRY)) {
      for (JsonNode error : a.errors()) {
        List<Object> args = new ArrayList<>();
        error.path("inputs").forEach(i -> args.add(switch (i.path("type").asText()) {
          case "string" -> "ed25519:key";
          case "address" -> "0x00000000000000000000000000000000000000aa";
          default -> BigInteger.valueOf(7);
        }));
        String name = error.path("name").asText();
        String kind = a == Artifact.SERVICE_REGISTRY ? "service" : "server";
        assertThat(Reverts.explain(name, args, kind)).as(name).doesNotStartWith(name);
      }
    }
  }

  @Test
  void revertDataIsDecodedIntoTheErrorAndItsArguments() {
    // NotOwner("ed25519:abc", 0x…01, 0x…02), as the contract encodes it
    String data = Hash.sha3String("NotOwner(string,address,address)").substring(0, 10)
        + org.web3j.abi.FunctionEncoder.encodeConstructor(List.of(new org.web3j.abi.datatypes.Utf8String("ed25519:abc"),
            new org.web3j.abi.datatypes.Address("0x0000000000000000000000000000000000000001"),
            new org.web3j.abi.datatypes.Address("0x0000000000000000000000000000000000000002")));
    TransactionRevertedException e = Reverts.decode(data, "server");
    assertThat(e.error()).isEqualTo("NotOwner");
    assertThat(e.getMessage()).isEqualTo("transaction reverted: NotOwner — address "
        + "0x0000000000000000000000000000000000000001 does not own server ed25519:abc (its owner is "
        + "0x0000000000000000000000000000000000000002)");
    assertThat(Reverts.decode("0x", "server").getMessage()).contains("gave no reason");
    assertThat(Reverts.decode("0xdeadbeef", "server").getMessage()).contains("unknown error data 0xdeadbeef");
  }

  @Test
  void cursorsFollowChainOrder() {
    assertThat(ChainEvent.cursor(5, 0)).isLessThan(ChainEvent.cursor(5, 1));
    assertThat(ChainEvent.cursor(5, (1 << 20) - 1)).isLessThan(ChainEvent.cursor(6, 0));
    assertThat(ChainEvent.cursor(1, 0)).isPositive();
  }
}
