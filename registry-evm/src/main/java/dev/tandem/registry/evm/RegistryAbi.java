package dev.tandem.registry.evm;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.Utils;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Keys;

/**
 * The Java side of the two contracts' ABIs: call data for their functions, decoders for their views, and their events.
 * Written by hand with web3j's encoders (no generated wrappers); a test checks every signature here against the
 * compiled ABI, so the two cannot drift apart.
 */
@SuppressWarnings("rawtypes") // web3j's decoders speak raw Type
final class RegistryAbi {
  private RegistryAbi() {}

  // ---- events: topic 0 is the hash of the signature; the indexed hashes and addresses follow as topics

  static final Event SERVICE_REGISTERED = event("ServiceRegistered",
      indexed(Bytes32.class), indexed(Address.class), ref(Utf8String.class), ref(DynamicBytes.class));
  static final Event SERVICE_RETIRED = event("ServiceRetired",
      indexed(Bytes32.class), indexed(Address.class), ref(Utf8String.class));
  static final Event SERVICE_TRANSFERRED = event("ServiceTransferred",
      indexed(Bytes32.class), indexed(Address.class), indexed(Address.class), ref(Utf8String.class));
  static final Event SERVER_REGISTERED = serverChange("ServerRegistered");
  static final Event SERVER_UPDATED = serverChange("ServerUpdated");
  static final Event SERVER_RETIRED = serverChange("ServerRetired");
  static final Event SERVER_TRANSFERRED = event("ServerTransferred",
      indexed(Bytes32.class), indexed(Address.class), indexed(Address.class), ref(Utf8String.class));

  static final List<Event> EVENTS = List.of(SERVICE_REGISTERED, SERVICE_RETIRED, SERVICE_TRANSFERRED,
      SERVER_REGISTERED, SERVER_UPDATED, SERVER_RETIRED, SERVER_TRANSFERRED);

  private static Event serverChange(String name) {
    return event(name, indexed(Bytes32.class), indexed(Address.class), ref(Utf8String.class), ref(Uint64.class),
        ref(Uint256.class), ref(DynamicBytes.class));
  }

  static String topic(Event event) {
    return EventEncoder.encode(event);
  }

  /** The non-indexed values of a log of {@code event}. */
  static List<Type> decodeData(Event event, String data) {
    return FunctionReturnDecoder.decode(data, event.getNonIndexedParameters());
  }

  /** An address from an indexed topic, checksummed. */
  static String topicAddress(String topic) {
    return Keys.toChecksumAddress(FunctionReturnDecoder.decodeAddress(topic));
  }

  // ---- both contracts

  static String version() {
    return call("VERSION");
  }

  static String deployedAt() {
    return call("deployedAt");
  }

  static String decodeString(String hex) {
    return (String) decode(hex, ref(Utf8String.class)).getFirst().getValue();
  }

  static BigInteger decodeUint(String hex) {
    return (BigInteger) decode(hex, ref(Uint256.class)).getFirst().getValue();
  }

  // ---- ServiceRegistry

  static String registerService(String id, byte[] record) {
    return call("register", new Utf8String(id), new DynamicBytes(record));
  }

  static String retireService(String id) {
    return call("retire", new Utf8String(id));
  }

  static String transferService(String id, String to) {
    return call("transferOwnership", new Utf8String(id), new Address(to));
  }

  static String service(String id) {
    return call("service", new Utf8String(id));
  }

  /** A service entry as the contract holds it; {@code owner} is null when there is none. */
  record ServiceEntry(String owner, boolean retired, byte[] record) {}

  static ServiceEntry decodeService(String hex) {
    List<Type> v = decode(hex, ref(Address.class), ref(Bool.class), ref(DynamicBytes.class));
    return new ServiceEntry(owner(v.get(0)), (Boolean) v.get(1).getValue(), (byte[]) v.get(2).getValue());
  }

  // ---- ServerRegistry

  static String minDeposit() {
    return call("minDeposit");
  }

  static String registerServer(String key, long seq, byte[] record) {
    return call("register", new Utf8String(key), new Uint64(seq), new DynamicBytes(record));
  }

  static String updateServer(String key, long seq, byte[] record) {
    return call("update", new Utf8String(key), new Uint64(seq), new DynamicBytes(record));
  }

  static String retireServer(String key, long seq, byte[] record) {
    return call("retire", new Utf8String(key), new Uint64(seq), new DynamicBytes(record));
  }

  static String transferServer(String key, String to) {
    return call("transferOwnership", new Utf8String(key), new Address(to));
  }

  static String server(String key) {
    return call("server", new Utf8String(key));
  }

  /** A server entry as the contract holds it; {@code owner} is null when there is none. */
  record ServerEntry(String owner, long seq, boolean retired, BigInteger deposit, byte[] record) {}

  static ServerEntry decodeServer(String hex) {
    List<Type> v = decode(hex, ref(Address.class), ref(Uint64.class), ref(Bool.class), ref(Uint256.class),
        ref(DynamicBytes.class));
    return new ServerEntry(owner(v.get(0)), ((BigInteger) v.get(1).getValue()).longValueExact(),
        (Boolean) v.get(2).getValue(), (BigInteger) v.get(3).getValue(), (byte[]) v.get(4).getValue());
  }

  /** Creation code of {@code artifact} followed by its constructor arguments. */
  static String creationCode(Artifact artifact, Type<?>... constructorArgs) {
    return artifact.bytecode() + FunctionEncoder.encodeConstructor(Arrays.asList(constructorArgs));
  }

  // ---- helpers

  private static String owner(Type<?> address) {
    String a = (String) address.getValue();
    return new BigInteger(a.substring(2), 16).signum() == 0 ? null : Keys.toChecksumAddress(a);
  }

  private static String call(String name, Type<?>... args) {
    return FunctionEncoder.encode(new Function(name, Arrays.asList(args), List.of()));
  }

  private static List<Type> decode(String hex, TypeReference<?>... outputs) {
    List<Type> values = FunctionReturnDecoder.decode(hex, Utils.convert(Arrays.asList(outputs)));
    if (values.size() != outputs.length) {
      throw new EvmException("the contract answered " + hex.length() / 2 + " bytes where " + outputs.length
          + " values belong: is this the right address?");
    }
    return values;
  }

  private static Event event(String name, TypeReference<?>... params) {
    return new Event(name, Arrays.asList(params));
  }

  private static <T extends Type<?>> TypeReference<T> ref(Class<T> type) {
    return TypeReference.create(type);
  }

  private static <T extends Type<?>> TypeReference<T> indexed(Class<T> type) {
    return TypeReference.create(type, true);
  }
}
