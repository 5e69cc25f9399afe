package dev.tandem.registry.evm;

import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * The registry on an EVM chain: two contracts ({@code ServiceRegistry}, {@code ServerRegistry}) store the signed
 * records and order them; this class reads them back, checks them, and writes through transactions.
 *
 * <p><b>Reading.</b> The contracts' events are followed from their deployment block ({@code eth_getLogs}, polled every
 * {@link Options#pollInterval()}, 500 ms by default, by a {@link ChainFollower}) into an in-memory view that every
 * read is served from. Each record is parsed and its Ed25519 signature verified; one that fails, or that disagrees
 * with what the contract stored beside it, is ignored by every reader and logged as a WARN line naming the entry and
 * the field (see {@link #onIgnored}). {@link #since} follows chain order: a cursor is {@code block << 20 | logIndex}.
 *
 * <p><b>Writing.</b> {@link #submit} applies the same rules as the embedded registry before anything is sent (fields,
 * signature, a server's seq higher than the stored one), then sends a transaction signed with the Ethereum key and
 * waits for its receipt; when it returns, this registry's reads include the record. A transaction the contract refuses
 * (another address owns the entry, a stale seq, …) fails with a {@link TransactionRevertedException} that says so. A
 * registry connected without a key reads only.
 *
 * <p>Several registries (several nodes, each with its own key) may share one deployment; each sees the others'
 * records within a poll interval, and {@link #onStored} fires for every record that arrives from the chain.
 */
public final class EvmRegistry implements Registry {
  /** Most records {@link #since} returns at once. */
  public static final int MAX_PAGE = 1000;
  /** A page stops growing at about this many bytes of record JSON (always at least one record). */
  static final int MAX_PAGE_BYTES = 4 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(EvmRegistry.class);

  /**
   * How a registry talks to the chain.
   *
   * @param pollInterval how often to look for new blocks
   * @param serverDeposit the deposit to hold for a server, in wei; the contract's minimum when lower or null
   * @param receiptTimeout how long {@link #submit} waits for its transaction to be mined
   * @param rpcTimeout the timeout of each JSON-RPC request
   */
  public record Options(Duration pollInterval, BigInteger serverDeposit, Duration receiptTimeout,
      Duration rpcTimeout) {
    public static Options defaults() {
      return new Options(Duration.ofMillis(500), null, Duration.ofMinutes(2), Duration.ofSeconds(30));
    }

    public Options withPollInterval(Duration interval) {
      return new Options(interval, serverDeposit, receiptTimeout, rpcTimeout);
    }

    public Options withServerDeposit(BigInteger wei) {
      return new Options(pollInterval, wei, receiptTimeout, rpcTimeout);
    }
  }

  private final EvmDeployment deployment;
  private final EthRpc rpc;
  private final ChainWriter writer; // null: read-only
  private final BigInteger minDeposit;
  private final String logId;
  private final ChainState state = new ChainState();
  private final ChainFollower follower;
  private volatile boolean closed;

  private EvmRegistry(EvmDeployment deployment, EthRpc rpc, ChainWriter writer, BigInteger minDeposit,
      long fromBlock, String logId) {
    this.deployment = deployment;
    this.rpc = rpc;
    this.writer = writer;
    this.minDeposit = minDeposit;
    this.logId = logId;
    this.follower = new ChainFollower(deployment, rpc, state, fromBlock);
  }

  /**
   * Connects to the registry of {@code spec} ({@code evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY}, see
   * {@link EvmDeployment}), writing with the key in {@code ethKeyFile} (see {@link EthKeyFile}), or read-only when it
   * is null. Returns once every record on the chain so far has been read.
   *
   * @throws IllegalArgumentException when the spec or the key file is malformed
   * @throws EvmException when the chain cannot be reached or the addresses do not hold the registry contracts
   */
  public static EvmRegistry connect(String spec, Path ethKeyFile) throws IOException {
    EvmDeployment deployment = EvmDeployment.parse(spec);
    Credentials credentials = ethKeyFile == null ? null : EthKeyFile.read(ethKeyFile);
    return connect(deployment, credentials, Options.defaults());
  }

  /** Like {@link #connect(String, Path)}, with credentials (null: read-only) and options given directly. */
  public static EvmRegistry connect(EvmDeployment deployment, Credentials credentials, Options options) {
    Objects.requireNonNull(deployment, "deployment");
    Objects.requireNonNull(options, "options");
    EthRpc rpc = new EthRpc(deployment.rpc(), options.rpcTimeout());
    try {
      Contracts.Info info = Contracts.check(rpc, deployment);
      BigInteger minDeposit = info.minDeposit();
      BigInteger deposit = options.serverDeposit() == null ? minDeposit : options.serverDeposit().max(minDeposit);
      ChainWriter writer = credentials == null ? null : new ChainWriter(
          new Transactor(rpc, credentials, info.chainId(), options.receiptTimeout()), deployment, deposit);
      EvmRegistry registry = new EvmRegistry(deployment, rpc, writer, minDeposit, info.deployedAt(),
          logId(info.chainId(), deployment, info.deployedAt()));
      registry.follower.syncTo(rpc.blockNumber());
      registry.follower.start(options.pollInterval());
      LOG.info("registry on chain {} at {}: {} services, {} servers, up to block {}{}", info.chainId(), deployment,
          registry.state.view().services.size(), registry.state.view().activeServers.size(),
          registry.follower.synced(),
          writer == null ? " (read-only)" : ", writing as " + writer.transactor().address());
      return registry;
    } catch (RuntimeException e) {
      rpc.close();
      throw e;
    }
  }

  /**
   * Deploys a new pair of registry contracts with {@code deployer}'s key. Servers must deposit at least
   * {@code minDeposit} wei (0: no deposit), refunded when they retire.
   */
  public static EvmDeployment deploy(URI rpcUrl, Credentials deployer, BigInteger minDeposit) {
    Options defaults = Options.defaults();
    return Contracts.deploy(rpcUrl, deployer, minDeposit, defaults.rpcTimeout(), defaults.receiptTimeout());
  }

  /** Reads the chain up to its current block now, instead of at the next poll. */
  public void sync() {
    ensureOpen();
    follower.syncTo(rpc.blockNumber());
  }

  @Override
  public Submitted submit(SignedRecord record) {
    return submit(record, "local");
  }

  /** Also the rules every reader of the chain applies ({@link ChainState#rules}), before any transaction. */
  @Override
  public void check(SignedRecord record, String origin) {
    Registry.super.check(record, origin);
    ChainState.rules(record);
  }

  @Override
  public Submitted submit(SignedRecord record, String origin) {
    Objects.requireNonNull(record, "record");
    ensureOpen();
    Optional<EthRpc.Receipt> receipt = writer().store(record);
    if (receipt.isEmpty()) {
      sync(); // someone else stored it: make sure our reads show it when we return
      return Submitted.ALREADY_KNOWN;
    }
    follower.syncTo(receipt.get().blockNumber());
    LOG.debug("{} from {} is on chain: tx {} in block {}", record, origin, receipt.get().txHash(),
        receipt.get().blockNumber());
    return Submitted.STORED;
  }

  /**
   * Withdraws a service this registry's key registered: it stays readable by id, but is no longer listed or found by
   * name, here or by any other reader of the chain.
   *
   * @throws TransactionRevertedException when the service is not registered, already retired, or owned by another
   *     address
   */
  public void retireService(String serviceId) {
    ensureOpen();
    EthRpc.Receipt receipt = writer().retireService(serviceId);
    follower.syncTo(receipt.blockNumber());
  }

  /** Hands a service's entry to another Ethereum address (e.g. the owner's new key). */
  public void transferService(String serviceId, String toAddress) {
    ensureOpen();
    EthRpc.Receipt receipt = writer().transferService(serviceId, toAddress);
    follower.syncTo(receipt.blockNumber());
  }

  /** Hands a server's entry, and its deposit, to another Ethereum address (e.g. the node's new key). */
  public void transferServer(PublicKey server, String toAddress) {
    ensureOpen();
    EthRpc.Receipt receipt = writer().transferServer(server, toAddress);
    follower.syncTo(receipt.blockNumber());
  }

  private ChainWriter writer() {
    if (writer == null) {
      throw new IllegalStateException("the registry at " + deployment + " was opened read-only (no Ethereum key)");
    }
    return writer;
  }

  @Override
  public Optional<ServiceRecord> service(String serviceId) {
    return Optional.ofNullable(state.view().serviceById.get(serviceId));
  }

  @Override
  public List<ServiceRecord> services() {
    return state.view().services;
  }

  @Override
  public Optional<ServerRecord> server(PublicKey key) {
    return Optional.ofNullable(state.view().serverByKey.get(key));
  }

  @Override
  public Optional<String> operator(PublicKey server) {
    return state.serverOwner(server).map(a -> "eth:" + a);
  }

  @Override
  public List<ServerRecord> servers() {
    return state.view().activeServers;
  }

  @Override
  public List<ServerRecord> serversOffering(String serviceId) {
    return state.view().offering.getOrDefault(serviceId, List.of());
  }

  @Override
  public List<ServiceRecord> resolve(String nameOrId) {
    View view = state.view();
    ServiceRecord byId = view.serviceById.get(nameOrId);
    return byId != null ? List.of(byId) : view.servicesByName.getOrDefault(nameOrId, List.of());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Cursors are positions on the chain ({@code block << 20 | logIndex}), so they are the same in every registry
   * that follows this deployment. {@code limit} is capped at {@link #MAX_PAGE}, and a page also ends once it holds
   * about 4 MiB of JSON.
   */
  @Override
  public Page since(long cursor, int limit) {
    if (cursor < 0) {
      throw new IllegalArgumentException("cursor must be 0 or more, got " + cursor);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be 1 or more, got " + limit);
    }
    ensureOpen();
    return state.since(cursor, Math.min(limit, MAX_PAGE), MAX_PAGE_BYTES);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The log is the deployment's events, so the id is derived from what names them: the chain id, the two contract
   * addresses and the block they were deployed in (32 hex digits of their SHA-256). Every registry following the
   * deployment has the same id, as their cursors are the same; another deployment has another.
   */
  @Override
  public String logId() {
    return logId;
  }

  private static String logId(long chainId, EvmDeployment deployment, long deployedAt) {
    String identity = "tandem-evm-log-v1\n" + chainId + "\n" + deployment.serviceRegistry().toLowerCase(Locale.ROOT)
        + "\n" + deployment.serverRegistry().toLowerCase(Locale.ROOT) + "\n" + deployedAt;
    return Hashes.sha256Hex(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
  }

  /** Called after each record newly read from the chain, whoever sent it, on the thread that read it. */
  @Override
  public void onStored(Consumer<SignedRecord> listener) {
    follower.onStored(Objects.requireNonNull(listener, "listener"));
  }

  /** Called for each entry on the chain that readers ignore (also logged as a WARN line), with the reason. */
  public void onIgnored(Consumer<IgnoredRecord> listener) {
    follower.onIgnored(Objects.requireNonNull(listener, "listener"));
  }

  /** Where this registry lives. */
  public EvmDeployment deployment() {
    return deployment;
  }

  /** The Ethereum address this registry writes as, checksummed; empty when read-only. */
  public Optional<String> address() {
    return Optional.ofNullable(writer).map(w -> w.transactor().address());
  }

  /** The deposit the server registry requires of an active server, in wei. */
  public BigInteger minDeposit() {
    return minDeposit;
  }

  /** The last block whose events this registry has read. */
  public long syncedBlock() {
    return follower.synced();
  }

  /** For tests of the contracts themselves: the transaction sender, bypassing every local check. */
  Transactor transactor() {
    return writer().transactor();
  }

  EthRpc rpc() {
    return rpc;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // A listener may close the registry from the poller's own thread, which must not wait for itself.
    follower.close();
    rpc.close();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the registry at " + deployment + " is closed");
    }
  }

  @Override
  public String toString() {
    return "EvmRegistry[" + deployment + address().map(a -> " as " + a).orElse(" read-only") + "]";
  }
}
