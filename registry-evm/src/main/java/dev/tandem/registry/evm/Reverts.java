package dev.tandem.registry.evm;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;

/**
 * Turns revert data into a {@link TransactionRevertedException} that says what went wrong in words: the contracts'
 * custom errors (decoded from their ABIs), Solidity's {@code Error(string)} and {@code Panic(uint256)}.
 */
@SuppressWarnings("rawtypes") // web3j's decoders speak raw Type
final class Reverts {
  private record ErrorDef(String name, List<TypeReference<Type>> params) {}

  private static final Map<String, ErrorDef> BY_SELECTOR = new HashMap<>();

  static {
    add("Error(string)", "Error", List.of("string"));
    add("Panic(uint256)", "Panic", List.of("uint256"));
    for (Artifact a : List.of(Artifact.SERVICE_REGISTRY, Artifact.SERVER_REGISTRY)) {
      for (JsonNode e : a.errors()) {
        List<String> types = new ArrayList<>();
        e.path("inputs").forEach(i -> types.add(i.path("type").asText()));
        add(Artifact.signature(e), e.path("name").asText(), types);
      }
    }
  }

  private Reverts() {}

  @SuppressWarnings("unchecked") // makeTypeReference returns a raw TypeReference
  private static void add(String signature, String name, List<String> types) {
    List<TypeReference<Type>> params = new ArrayList<>();
    for (String t : types) {
      try {
        params.add((TypeReference<Type>) TypeReference.makeTypeReference(t));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("unsupported ABI type " + t + " in " + signature, e);
      }
    }
    // Both contracts declare some errors with the same signature (NotOwner, ...): same selector, same meaning.
    BY_SELECTOR.put(Hash.sha3String(signature).substring(0, 10), new ErrorDef(name, List.copyOf(params)));
  }

  /**
   * The exception for revert {@code data} ({@code 0x…}, possibly empty) of a call on a registry of {@code kind}
   * ({@code "service"} or {@code "server"}).
   */
  static TransactionRevertedException decode(String data, String kind) {
    if (data == null || data.length() < 10) {
      return new TransactionRevertedException("unknown", List.of(), "the contract gave no reason"
          + " (out of gas, a wrong address, or a contract that is not a Tandem " + kind + " registry)");
    }
    ErrorDef def = BY_SELECTOR.get(data.substring(0, 10).toLowerCase(java.util.Locale.ROOT));
    if (def == null) {
      return new TransactionRevertedException("unknown", List.of(), "unknown error data " + abbreviate(data));
    }
    List<Object> args = new ArrayList<>();
    for (Type<?> v : FunctionReturnDecoder.decode("0x" + data.substring(10), def.params())) {
      Object value = v.getValue();
      args.add(v instanceof org.web3j.abi.datatypes.Address ? Keys.toChecksumAddress((String) value) : value);
    }
    if (args.size() != def.params().size()) {
      return new TransactionRevertedException(def.name(), List.of(), "undecodable arguments " + abbreviate(data));
    }
    return new TransactionRevertedException(def.name(), args, explain(def.name(), args, kind));
  }

  /** The sentence for each error the contracts declare; the arguments are in declaration order. */
  static String explain(String error, List<Object> a, String kind) {
    return switch (error) {
      case "NotOwner" -> "address " + a.get(1) + " does not own " + kind + " " + a.get(0) + " (its owner is "
          + a.get(2) + ")";
      case "NotRegistered" -> kind + " " + a.get(0) + " is not registered on chain";
      case "AlreadyRegistered" -> kind + " " + a.get(0) + " is already registered by " + a.get(1);
      case "AlreadyRetired" -> kind + " " + a.get(0) + " is already retired";
      case "StaleSeq" -> "seq " + a.get(1) + " of server " + a.get(0) + " is not higher than the stored seq "
          + a.get(2);
      case "DepositTooLow" -> "the deposit would be " + a.get(0) + " wei, the registry requires at least " + a.get(1)
          + " wei";
      case "BadId", "BadKey" -> "the " + kind + (kind.equals("server") ? " key" : " id") + " is " + a.get(0)
          + " bytes long; 1 to " + a.get(1) + " are accepted";
      case "BadRecord" -> "the record is " + a.get(0) + " bytes long; 1 to " + a.get(1) + " are accepted";
      case "RefundFailed" -> "refunding " + a.get(1) + " wei to " + a.get(0) + " failed";
      case "ZeroAddress" -> "the new owner must not be the zero address";
      case "Error" -> String.valueOf(a.get(0));
      case "Panic" -> "panic 0x" + ((BigInteger) a.get(0)).toString(16) + " (a failed assertion or arithmetic error)";
      default -> error + a;
    };
  }

  private static String abbreviate(String hex) {
    return hex.length() <= 74 ? hex : hex.substring(0, 74) + "…";
  }
}
