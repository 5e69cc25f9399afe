package dev.tandem.registry.evm;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;

/**
 * Sends transactions signed with one Ethereum key and waits for their receipts.
 *
 * <p>Each transaction's gas is estimated first: a call the contract would refuse fails there with its reason, before
 * anything is signed or paid for. Transactions of one address are sent one at a time (per JVM, whichever registry
 * sends them), so two threads never pick the same nonce.
 */
final class Transactor {
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);
  /** One lock per sending address: nonces are per address, and several registries may share a key in tests. */
  private static final Map<String, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final EthRpc rpc;
  private final Credentials credentials;
  private final long chainId;
  private final Duration receiptTimeout;

  Transactor(EthRpc rpc, Credentials credentials, long chainId, Duration receiptTimeout) {
    this.rpc = rpc;
    this.credentials = credentials;
    this.chainId = chainId;
    this.receiptTimeout = receiptTimeout;
  }

  String address() {
    return org.web3j.crypto.Keys.toChecksumAddress(credentials.getAddress());
  }

  /**
   * Sends {@code data} to {@code to} (null: create a contract) with {@code value} wei and waits until it is mined.
   *
   * @param kind {@code "service"} or {@code "server"}: the registry, for the words of a revert
   * @throws TransactionRevertedException when the contract refuses it
   * @throws EvmException when the node fails or the receipt does not come in time
   */
  EthRpc.Receipt send(String to, BigInteger value, String data, String kind, String what) {
    ReentrantLock lock = LOCKS.computeIfAbsent(address(), a -> new ReentrantLock());
    lock.lock();
    try {
      BigInteger gas;
      try {
        gas = rpc.estimateGas(address(), to, value, data);
      } catch (EthRpc.RpcError e) {
        throw reverted(e, kind);
      }
      // Estimates are exact for these contracts' paths, but a concurrent change can make a call cost a little more.
      BigInteger gasLimit = gas.multiply(BigInteger.valueOf(5)).divide(BigInteger.valueOf(4))
          .add(BigInteger.valueOf(10_000));
      BigInteger nonce = rpc.pendingNonce(address());
      RawTransaction raw = to == null
          ? RawTransaction.createContractTransaction(nonce, rpc.gasPrice(), gasLimit, value, data)
          : RawTransaction.createTransaction(nonce, rpc.gasPrice(), gasLimit, to, value, data);
      String hash = rpc.sendRawTransaction(Numeric.toHexString(TransactionEncoder.signMessage(raw, chainId,
          credentials)));
      EthRpc.Receipt receipt = await(hash, what);
      if (!receipt.success()) {
        throw explainFailure(receipt, to, value, data, kind);
      }
      LOG.debug("{}: tx {} mined in block {} ({} gas)", what, hash, receipt.blockNumber(), receipt.gasUsed());
      return receipt;
    } finally {
      lock.unlock();
    }
  }

  /** The result of calling {@code data} on {@code to} from this address, without sending anything. */
  String call(String to, String data, String kind) {
    try {
      return rpc.call(address(), to, null, data, "latest");
    } catch (EthRpc.RpcError e) {
      throw reverted(e, kind);
    }
  }

  private EthRpc.Receipt await(String hash, String what) {
    long deadline = System.nanoTime() + receiptTimeout.toNanos();
    long sleep = 20;
    while (true) {
      var receipt = rpc.receipt(hash);
      if (receipt.isPresent()) {
        return receipt.get();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new EvmException(what + ": transaction " + hash + " was not mined within "
            + receiptTimeout.toSeconds() + " s; it may still be, later");
      }
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EvmException(what + ": interrupted while waiting for transaction " + hash, e);
      }
      sleep = Math.min(sleep * 2, 1_000);
    }
  }

  /**
   * A mined transaction that failed carries no reason in its receipt; calling it again on the state of its block
   * usually shows the reason (unless another transaction of the block changed that state).
   */
  private EvmException explainFailure(EthRpc.Receipt receipt, String to, BigInteger value, String data, String kind) {
    try {
      rpc.call(address(), to, value, data, Numeric.encodeQuantity(BigInteger.valueOf(receipt.blockNumber() - 1)));
    } catch (EthRpc.RpcError e) {
      return reverted(e, kind);
    } catch (EvmException ignored) {
      // fall through to the reasonless message
    }
    return Reverts.decode(null, kind);
  }

  /** A revert from estimateGas or eth_call; any other node error is passed on as it is. */
  private static EvmException reverted(EthRpc.RpcError e, String kind) {
    boolean revert = e.data != null || e.code == 3 || e.getMessage().contains("revert");
    return revert ? Reverts.decode(e.data, kind) : e;
  }
}
