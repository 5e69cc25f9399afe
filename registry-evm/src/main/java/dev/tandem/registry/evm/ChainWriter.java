package dev.tandem.registry.evm;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.math.BigInteger;
import java.util.Optional;

/**
 * The write side of {@link EvmRegistry}: checks a record by the embedded registry's rules against what the contracts
 * hold, then sends the one transaction that stores it.
 */
final class ChainWriter {
  private final Transactor transactor;
  private final EvmDeployment deployment;
  /** The deposit each server should hold: the configured amount, at least the contract's minimum. */
  private final BigInteger deposit;

  ChainWriter(Transactor transactor, EvmDeployment deployment, BigInteger deposit) {
    this.transactor = transactor;
    this.deployment = deployment;
    this.deposit = deposit;
  }

  Transactor transactor() {
    return transactor;
  }

  /**
   * Validates {@code record} and stores it on chain.
   *
   * @return the mined transaction's receipt, or empty when the same record is already there
   * @throws RecordException naming the field when the record is invalid, wrongly signed or older than the stored one
   * @throws TransactionRevertedException when the contract refuses it (another address owns the entry, …)
   */
  Optional<EthRpc.Receipt> store(SignedRecord record) {
    byte[] json = SignedRecord.canonicalRoundTrip(record);
    record.verifySignature();
    ChainState.rules(record); // readers would ignore it: refuse it before paying for the transaction
    return Optional.ofNullable(switch (record) {
      case ServiceRecord s -> storeService(s, json);
      case ServerRecord s -> storeServer(s, json);
    });
  }

  private EthRpc.Receipt storeService(ServiceRecord s, byte[] json) {
    String id = s.serviceId();
    String to = deployment.serviceRegistry();
    RegistryAbi.ServiceEntry entry = RegistryAbi.decodeService(transactor.call(to, RegistryAbi.service(id),
        "service"));
    if (entry.owner() != null && sameRecord(entry.record(), s)) {
      return null; // the id covers every signed field, so this is the same service
    }
    // Otherwise: new, or the id is held by an entry readers ignore; then the contract refuses and says by whom.
    return transactor.send(to, BigInteger.ZERO, RegistryAbi.registerService(id, json), "service",
        "register service " + id);
  }

  private EthRpc.Receipt storeServer(ServerRecord s, byte[] json) {
    String key = s.key().toString();
    String to = deployment.serverRegistry();
    RegistryAbi.ServerEntry entry = RegistryAbi.decodeServer(transactor.call(to, RegistryAbi.server(key),
        "server"));
    if (entry.owner() == null) {
      if (s.retired()) {
        throw new RecordException("retired", "server " + key + " is not registered on chain, so there is nothing "
            + "to retire");
      }
      return transactor.send(to, depositToSend(BigInteger.ZERO), RegistryAbi.registerServer(key, s.seq(), json),
          "server", "register server " + key);
    }
    // The seq rule of the embedded registry, against what the contract holds (it enforces the same order).
    if (s.seq() < entry.seq()) {
      throw new RecordException("seq", s.seq() + " is not newer than the stored " + entry.seq());
    }
    if (s.seq() == entry.seq()) {
      if (sameRecord(entry.record(), s)) {
        return null;
      }
      throw new RecordException("seq", s.seq() + " is already used by a different record for " + key
          + "; a changed record needs a higher seq");
    }
    if (s.retired()) {
      return transactor.send(to, BigInteger.ZERO, RegistryAbi.retireServer(key, s.seq(), json), "server",
          "retire server " + key);
    }
    return transactor.send(to, depositToSend(entry.deposit()), RegistryAbi.updateServer(key, s.seq(), json),
        "server", "update server " + key);
  }

  EthRpc.Receipt retireService(String serviceId) {
    return transactor.send(deployment.serviceRegistry(), BigInteger.ZERO, RegistryAbi.retireService(serviceId),
        "service", "retire service " + serviceId);
  }

  EthRpc.Receipt transferService(String serviceId, String toAddress) {
    return transactor.send(deployment.serviceRegistry(), BigInteger.ZERO,
        RegistryAbi.transferService(serviceId, toAddress), "service", "transfer service " + serviceId);
  }

  EthRpc.Receipt transferServer(PublicKey server, String toAddress) {
    return transactor.send(deployment.serverRegistry(), BigInteger.ZERO,
        RegistryAbi.transferServer(server.toString(), toAddress), "server", "transfer server " + server);
  }

  /** What to send so that a server's deposit reaches the target. */
  private BigInteger depositToSend(BigInteger held) {
    return deposit.subtract(held).max(BigInteger.ZERO);
  }

  private static boolean sameRecord(byte[] stored, SignedRecord record) {
    try {
      return SignedRecord.fromJson(Json.parse(stored)).equals(record);
    } catch (JsonFormatException | RecordException e) {
      return false;
    }
  }

}
