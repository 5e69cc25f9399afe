package dev.tandem.registry.evm;

import static dev.tandem.registry.evm.Records.await;
import static dev.tandem.registry.evm.Records.key;
import static dev.tandem.registry.evm.Records.retiredServer;
import static dev.tandem.registry.evm.Records.server;
import static dev.tandem.registry.evm.Records.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry.Submitted;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only the EVM registry does: readers that distrust the chain, owners, deposits, several nodes on one chain. */
class EvmRegistryTest {
  private static final KeyPair OWNER = key(1);
  private static final KeyPair NODE = key(2);
  private static final String URL = "http://127.0.0.1:7001";
  private static final BigInteger ETHER = BigInteger.TEN.pow(18);

  private static TestChain.Started started;
  private LocalChain chain;
  private final List<EvmRegistry> opened = new ArrayList<>();

  @BeforeAll
  static void startChain() {
    started = TestChain.start();
  }

  @AfterAll
  static void stopChain() {
    started.close();
  }

  @BeforeEach
  void requireChain() {
    chain = started.require();
  }

  @AfterEach
  void closeRegistries() {
    opened.forEach(EvmRegistry::close);
  }

  private EvmRegistry open(EvmDeployment deployment, int account) {
    EvmRegistry r = TestChain.connect(deployment, account);
    opened.add(r);
    return r;
  }

  private static byte[] canonical(ObjectNode json) throws Exception {
    return Jcs.canonicalize(json);
  }

  @Test
  void aRecordPutOnChainDirectlyThatDoesNotVerifyIsIgnoredByEveryReaderWithAReason() throws Exception {
    EvmDeployment d = TestChain.deploy(chain, BigInteger.ZERO);
    EvmRegistry writer = open(d, 0);
    EvmRegistry reader = open(d, -1);
    List<IgnoredRecord> ignored = new CopyOnWriteArrayList<>();
    List<SignedRecord> stored = new CopyOnWriteArrayList<>();
    reader.onIgnored(ignored::add);
    reader.onStored(stored::add);

    // A service whose description was changed after signing, registered under its (new) id: the contract stores
    // whatever it is given; only readers can tell.
    ObjectNode tamperedJson = service(OWNER, "search").toJson();
    tamperedJson.put("description", "now with a backdoor");
    ServiceRecord tampered = (ServiceRecord) SignedRecord.fromJson(tamperedJson);
    // A valid server record, registered with a seq the record does not have.
    ServerRecord valid = server(NODE, URL, 4, List.of());
    // Not JSON at all, under some server key.
    String junkKey = key(5).publicKey().toString();

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(new TeeStream(originalErr, err), true, StandardCharsets.UTF_8));
    try {
      Transactor raw = writer.transactor();
      raw.send(d.serviceRegistry(), BigInteger.ZERO,
          RegistryAbi.registerService(tampered.serviceId(), canonical(tamperedJson)), "service", "test");
      raw.send(d.serverRegistry(), BigInteger.ZERO,
          RegistryAbi.registerServer(valid.key().toString(), 9, canonical(valid.toJson())), "server", "test");
      raw.send(d.serverRegistry(), BigInteger.ZERO,
          RegistryAbi.registerServer(junkKey, 1, "{not json".getBytes(StandardCharsets.UTF_8)), "server", "test");
      reader.sync();
      writer.sync();
    } finally {
      System.setErr(originalErr);
    }

    for (EvmRegistry r : List.of(writer, reader)) {
      assertThat(r.service(tampered.serviceId())).isEmpty();
      assertThat(r.services()).isEmpty();
      assertThat(r.server(NODE.publicKey())).isEmpty();
      assertThat(r.servers()).isEmpty();
      assertThat(AbstractRegistryContractTest.all(r)).isEmpty();
    }
    assertThat(stored).isEmpty();
    assertThat(ignored).extracting(IgnoredRecord::registry, IgnoredRecord::entry, IgnoredRecord::field)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("service", tampered.serviceId(), "sig"),
            org.assertj.core.groups.Tuple.tuple("server", valid.key().toString(), "seq"),
            org.assertj.core.groups.Tuple.tuple("server", junkKey, "record"));
    assertThat(ignored.get(0).problem()).startsWith("does not verify under " + OWNER.publicKey());
    assertThat(ignored.get(1).problem()).isEqualTo("is 4 in the record but 9 on chain");
    assertThat(ignored.get(0).owner()).isEqualTo(writer.address().orElseThrow());
    String log = err.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("WARN ChainState - ignoring service " + tampered.serviceId() + " on chain (block ")
        .contains("sig: does not verify under " + OWNER.publicKey())
        .contains("ignoring server " + valid.key() + " on chain").contains("seq: is 4 in the record but 9 on chain")
        .contains("ignoring server " + junkKey + " on chain").contains("record: is not JSON");

    // The entry stays blocked on chain (the contract cannot know it is bad), but the owner may replace a server's
    // bad record with a good one, and a good service under its true id is unaffected.
    ServerRecord newer = server(NODE, URL, 10, List.of());
    assertThat(writer.submit(newer)).isEqualTo(Submitted.STORED);
    ServiceRecord original = service(OWNER, "search");
    assertThat(writer.submit(original)).isEqualTo(Submitted.STORED);
    // (listeners hear of a record just after reads show it: wait for what is checked last)
    await(Duration.ofSeconds(10), "the reader to hear of the good records", () -> stored.size() == 2);
    assertThat(reader.servers()).containsExactly(newer);
    assertThat(stored).containsExactlyInAnyOrder(newer, original);
  }

  /**
   * The embedded registry's rules hold on a chain too: a server URL with a path and a record offering more than the
   * per-record quota are refused before any transaction, and when put on chain directly every reader skips them with
   * a log line and reads on.
   */
  @Test
  void recordsBreakingTheEmbeddedRegistrysRulesAreRefusedAndSkippedByReaders() throws Exception {
    EvmDeployment d = TestChain.deploy(chain, BigInteger.ZERO);
    EvmRegistry writer = open(d, 0);
    EvmRegistry reader = open(d, -1);
    List<IgnoredRecord> ignored = new CopyOnWriteArrayList<>();
    reader.onIgnored(ignored::add);
    ServerRecord aimed = server(key(7), "http://127.0.0.1:7610/internal/admin", 1, List.of());
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 257; i++) {
      many.add(service(OWNER, "s" + i).serviceId());
    }
    ServerRecord spam = server(key(8), "http://10.0.0.8:1", 1, many);
    assertThatThrownBy(() -> writer.submit(aimed)).hasMessageContaining("url");
    assertThatThrownBy(() -> writer.submit(spam)).hasMessageContaining("quota: offers 257 services, the limit is 256");
    assertThatThrownBy(() -> writer.check(spam, "rpc")).hasMessageContaining("offers");

    Transactor raw = writer.transactor();
    raw.send(d.serverRegistry(), BigInteger.ZERO,
        RegistryAbi.registerServer(aimed.key().toString(), 1, canonical(aimed.toJson())), "server", "test");
    raw.send(d.serverRegistry(), BigInteger.ZERO,
        RegistryAbi.registerServer(spam.key().toString(), 1, canonical(spam.toJson())), "server", "test");
    ServerRecord honest = server(NODE, URL, 1, List.of());
    assertThat(writer.submit(honest)).isEqualTo(Submitted.STORED);
    reader.sync();
    assertThat(reader.servers()).containsExactly(honest);
    assertThat(ignored).extracting(IgnoredRecord::entry, IgnoredRecord::field).containsExactly(
        org.assertj.core.groups.Tuple.tuple(aimed.key().toString(), "url"),
        org.assertj.core.groups.Tuple.tuple(spam.key().toString(), "offers"));
  }

  @Test
  void anAddressThatDoesNotOwnAnEntryCannotChangeIt() {
    EvmDeployment d = TestChain.deploy(chain, BigInteger.ZERO);
    EvmRegistry alice = open(d, 0);
    EvmRegistry bob = open(d, 1);
    ServiceRecord search = service(OWNER, "search");
    ServerRecord one = server(NODE, URL, 1, List.of(search.serviceId()));
    alice.submit(search);
    alice.submit(one);

    // Bob relays a newer record, validly signed by the server's Ed25519 key: the record is fine, the sender is not.
    TransactionRevertedException e = catchThrowableOfType(TransactionRevertedException.class,
        () -> bob.submit(server(NODE, "http://127.0.0.1:9999", 2, List.of())));

    String alicesAddress = alice.address().orElseThrow();
    String bobsAddress = bob.address().orElseThrow();
    assertThat(e.error()).isEqualTo("NotOwner");
    assertThat(e.getMessage()).isEqualTo("transaction reverted: NotOwner — address " + bobsAddress
        + " does not own server " + NODE.publicKey() + " (its owner is " + alicesAddress + ")");
    assertThat(e.arguments()).containsExactly(NODE.publicKey().toString(), bobsAddress, alicesAddress);
    assertThatThrownBy(() -> bob.retireService(search.serviceId()))
        .isInstanceOf(TransactionRevertedException.class)
        .hasMessage("transaction reverted: NotOwner — address " + bobsAddress + " does not own service "
            + search.serviceId() + " (its owner is " + alicesAddress + ")");
    assertThatThrownBy(() -> bob.transferServer(NODE.publicKey(), bobsAddress))
        .hasMessageStartingWith("transaction reverted: NotOwner");
    // nor can anything that is not on chain
    assertThatThrownBy(() -> bob.retireService("bafkreinothing"))
        .hasMessage("transaction reverted: NotRegistered — service bafkreinothing is not registered on chain");

    for (EvmRegistry r : List.of(alice, bob)) {
      r.sync();
      assertThat(r.server(NODE.publicKey())).contains(one);
      assertThat(r.services()).containsExactly(search);
    }

    // Once Alice hands the entry over, Bob may change it and she may not.
    alice.transferServer(NODE.publicKey(), bobsAddress);
    ServerRecord two = server(NODE, "http://127.0.0.1:9999", 2, List.of());
    assertThat(bob.submit(two)).isEqualTo(Submitted.STORED);
    assertThatThrownBy(() -> alice.submit(server(NODE, URL, 3, List.of())))
        .hasMessageContaining("NotOwner — address " + alicesAddress + " does not own server");
    alice.sync();
    assertThat(alice.server(NODE.publicKey())).contains(two);
  }

  @Test
  void threeNodesWithTheirOwnKeysShareOneChainAndHearOfEachOthersRecords() throws Exception {
    EvmDeployment d = TestChain.deploy(chain, BigInteger.ZERO);
    List<EvmRegistry> nodes = List.of(open(d, 0), open(d, 1), open(d, 2));
    List<List<SignedRecord>> heard = List.of(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(),
        new CopyOnWriteArrayList<>());
    for (int i = 0; i < 3; i++) {
      nodes.get(i).onStored(heard.get(i)::add);
    }
    ServiceRecord echo = service(OWNER, "echo");
    nodes.get(0).submit(echo);
    List<ServerRecord> servers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ServerRecord s = server(key(10 + i), "http://127.0.0.1:" + (7001 + i), 1, List.of(echo.serviceId()));
      servers.add(s);
      nodes.get(i).submit(s);
    }

    for (int i = 0; i < 3; i++) {
      EvmRegistry node = nodes.get(i);
      List<SignedRecord> mine = heard.get(i);
      await(Duration.ofSeconds(10), "node " + i + " to hear of every record", () -> mine.size() == 4);
      assertThat(mine).containsExactlyInAnyOrder(echo, servers.get(0), servers.get(1), servers.get(2));
      assertThat(node.serversOffering(echo.serviceId())).containsExactlyInAnyOrderElementsOf(servers);
      assertThat(node.resolve("echo")).containsExactly(echo);
    }
    // positions on the chain are the same for everyone, so are the pages
    assertThat(nodes.get(1).since(0, 100)).isEqualTo(nodes.get(0).since(0, 100));
    assertThat(nodes.get(2).since(0, 100)).isEqualTo(nodes.get(0).since(0, 100));

    // a node that joins later reads the whole history at connect
    try (EvmRegistry late = TestChain.connect(d, -1)) {
      assertThat(late.since(0, 100)).isEqualTo(nodes.get(0).since(0, 100));
      assertThat(late.servers()).containsExactlyInAnyOrderElementsOf(servers);
      assertThatThrownBy(() -> late.submit(service(OWNER, "x")))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
    }
  }

  @Test
  void aServerDepositIsHeldWhileActiveAndRefundedOnRetirement() {
    EvmDeployment d = TestChain.deploy(chain, ETHER);
    EvmRegistry r = open(d, 3);
    EthRpc rpc = r.rpc();
    String me = r.address().orElseThrow();
    assertThat(r.minDeposit()).isEqualTo(ETHER);

    r.submit(server(NODE, URL, 1, List.of()));
    assertThat(rpc.balance(d.serverRegistry())).isEqualTo(ETHER);
    r.submit(server(NODE, URL, 2, List.of())); // already covered: nothing more is sent
    assertThat(rpc.balance(d.serverRegistry())).isEqualTo(ETHER);

    BigInteger before = rpc.balance(me);
    r.submit(retiredServer(NODE, URL, 3));
    assertThat(rpc.balance(d.serverRegistry())).isZero();
    // the refund minus a little gas
    assertThat(rpc.balance(me).subtract(before)).isBetween(ETHER.divide(BigInteger.TWO), ETHER);

    r.submit(server(NODE, URL, 4, List.of())); // back: deposits again
    assertThat(rpc.balance(d.serverRegistry())).isEqualTo(ETHER);
    assertThat(r.servers()).hasSize(1);

    // without the deposit, the contract refuses a new server and says why
    EvmRegistry cheap = EvmRegistry.connect(d, LocalChain.devAccount(4), EvmRegistry.Options.defaults());
    opened.add(cheap);
    Transactor raw = cheap.transactor();
    assertThatThrownBy(() -> raw.send(d.serverRegistry(), BigInteger.ONE,
        RegistryAbi.registerServer(key(6).publicKey().toString(), 1, "{}".getBytes(StandardCharsets.UTF_8)),
        "server", "test"))
        .isInstanceOf(TransactionRevertedException.class)
        .hasMessage("transaction reverted: DepositTooLow — the deposit would be 1 wei, the registry requires at "
            + "least " + ETHER + " wei");
  }

  @Test
  void aRetiredServiceIsNoLongerListedButStillReadableById() throws Exception {
    EvmDeployment d = TestChain.deploy(chain, BigInteger.ZERO);
    EvmRegistry owner = open(d, 0);
    EvmRegistry other = open(d, 1);
    ServiceRecord search = service(OWNER, "search");
    ServiceRecord zeta = service(OWNER, "zeta");
    owner.submit(search);
    owner.submit(zeta);

    owner.retireService(search.serviceId());

    // Both must have read zeta and the retirement: a reader that has seen only the first record also lists one.
    await(Duration.ofSeconds(10), "both to see the retirement",
        () -> owner.services().equals(List.of(zeta)) && other.services().equals(List.of(zeta)));
    for (EvmRegistry r : List.of(owner, other)) {
      assertThat(r.services()).containsExactly(zeta);
      assertThat(r.resolve("search")).isEmpty();
      assertThat(r.service(search.serviceId())).contains(search);
      assertThat(r.resolve(search.serviceId())).containsExactly(search);
    }
    assertThatThrownBy(() -> owner.retireService(search.serviceId()))
        .hasMessage("transaction reverted: AlreadyRetired — service " + search.serviceId() + " is already retired");
    // the id stays taken: the same service cannot be registered again by anyone
    assertThat(owner.submit(search)).isEqualTo(Submitted.ALREADY_KNOWN);
  }

  @Test
  void connectRefusesAddressesThatDoNotHoldTheRegistry() {
    EvmDeployment d = TestChain.deploy(chain, BigInteger.ZERO);
    EvmDeployment swapped = new EvmDeployment(d.rpc(), d.serverRegistry(), d.serviceRegistry());
    assertThatThrownBy(() -> TestChain.connect(swapped, 0))
        .isInstanceOf(EvmException.class)
        .hasMessageContaining("is not a Tandem service registry").hasMessageContaining("swapped");
    String empty = LocalChain.devAccount(7).getAddress();
    assertThatThrownBy(() -> TestChain.connect(new EvmDeployment(d.rpc(), empty, d.serverRegistry()), 0))
        .isInstanceOf(EvmException.class).hasMessageContaining("there is no contract at");
  }

  /** Writes to two streams: the test still shows its log while it captures it. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }
  }
}
