package dev.tandem.registry.evm;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;

/**
 * One decoded event of the registry contracts, with its place in the chain.
 *
 * @param kind what happened
 * @param id the service id or server key the event is about, as the contract has it
 * @param owner the entry's owner that caused the event (for a transfer: the previous owner)
 * @param newOwner for a transfer, the new owner; otherwise null
 * @param seq for a server, the seq the contract stored; otherwise -1
 * @param value for a server, its deposit (for a retirement: the refund); otherwise null
 * @param record the record bytes the event carries, or null
 * @param block the block number
 * @param logIndex the log's index in its block
 * @param tx the transaction hash
 */
record ChainEvent(Kind kind, String id, String owner, String newOwner, long seq, BigInteger value, byte[] record,
    long block, int logIndex, String tx) {

  /** The contracts' events. */
  enum Kind {
    SERVICE_REGISTERED(RegistryAbi.SERVICE_REGISTERED, true),
    SERVICE_RETIRED(RegistryAbi.SERVICE_RETIRED, true),
    SERVICE_TRANSFERRED(RegistryAbi.SERVICE_TRANSFERRED, true),
    SERVER_REGISTERED(RegistryAbi.SERVER_REGISTERED, false),
    SERVER_UPDATED(RegistryAbi.SERVER_UPDATED, false),
    SERVER_RETIRED(RegistryAbi.SERVER_RETIRED, false),
    SERVER_TRANSFERRED(RegistryAbi.SERVER_TRANSFERRED, false);

    final Event event;
    final String topic;
    final boolean service;

    Kind(Event event, boolean service) {
      this.event = event;
      this.topic = RegistryAbi.topic(event);
      this.service = service;
    }

    /** {@code "service"} or {@code "server"}. */
    String registry() {
      return service ? "service" : "server";
    }
  }

  /** Log indexes take the low 20 bits of a cursor: far more logs than fit in any block's gas. */
  static final int LOG_INDEX_BITS = 20;

  /** The position of this event in the chain, as a {@link dev.tandem.registry.Registry#since} cursor. */
  long cursor() {
    return cursor(block, logIndex);
  }

  static long cursor(long block, int logIndex) {
    if (logIndex < 0 || logIndex >= 1 << LOG_INDEX_BITS) {
      throw new EvmException("log index " + logIndex + " of block " + block + " does not fit a cursor");
    }
    return block << LOG_INDEX_BITS | logIndex;
  }

  /**
   * Decodes {@code log}, emitted by the service registry when {@code fromServiceRegistry}, else the server registry.
   * Events of other signatures (none today) are skipped: empty.
   */
  static Optional<ChainEvent> decode(EthRpc.Log log, boolean fromServiceRegistry) {
    if (log.topics().isEmpty()) {
      return Optional.empty();
    }
    Kind kind = null;
    for (Kind k : Kind.values()) {
      if (k.topic.equalsIgnoreCase(log.topics().getFirst()) && k.service == fromServiceRegistry) {
        kind = k;
      }
    }
    if (kind == null) {
      return Optional.empty();
    }
    @SuppressWarnings("rawtypes")
    List<Type> data = RegistryAbi.decodeData(kind.event, log.data());
    String owner = RegistryAbi.topicAddress(log.topics().get(2));
    String id = (String) data.getFirst().getValue();
    ChainEvent e = switch (kind) {
      case SERVICE_REGISTERED -> new ChainEvent(kind, id, owner, null, -1, null, bytes(data.get(1)), log.blockNumber(),
          log.logIndex(), log.txHash());
      case SERVICE_RETIRED -> new ChainEvent(kind, id, owner, null, -1, null, null, log.blockNumber(), log.logIndex(),
          log.txHash());
      case SERVICE_TRANSFERRED, SERVER_TRANSFERRED -> new ChainEvent(kind, id, owner,
          RegistryAbi.topicAddress(log.topics().get(3)), -1, null, null, log.blockNumber(), log.logIndex(),
          log.txHash());
      case SERVER_REGISTERED, SERVER_UPDATED, SERVER_RETIRED -> new ChainEvent(kind, id, owner, null,
          ((BigInteger) data.get(1).getValue()).longValueExact(), (BigInteger) data.get(2).getValue(),
          bytes(data.get(3)), log.blockNumber(), log.logIndex(), log.txHash());
    };
    return Optional.of(e);
  }

  private static byte[] bytes(Type<?> t) {
    return (byte[]) t.getValue();
  }

  /** Where the event is, for log lines: {@code block 12, log 3, tx 0x…}. */
  String where() {
    return "block " + block + ", log " + logIndex + ", tx " + tx;
  }
}
