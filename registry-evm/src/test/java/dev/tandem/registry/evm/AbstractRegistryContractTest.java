package dev.tandem.registry.evm;

import static dev.tandem.registry.evm.Records.key;
import static dev.tandem.registry.evm.Records.retiredServer;
import static dev.tandem.registry.evm.Records.server;
import static dev.tandem.registry.evm.Records.service;
import static dev.tandem.registry.evm.Records.unsignedServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import dev.tandem.registry.Registry.Page;
import dev.tandem.registry.Registry.Submitted;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Registry} must do, whatever stores its records: run against the embedded SQLite registry and the
 * EVM one by subclasses that say how to open a fresh, empty registry.
 */
abstract class AbstractRegistryContractTest {
  static final KeyPair OWNER = key(1);
  static final KeyPair NODE = key(2);
  static final String URL = "http://127.0.0.1:7001";

  private final List<Registry> opened = new ArrayList<>();

  /** A new, empty registry that can write. */
  protected abstract Registry newRegistry();

  private Registry open() {
    Registry r = newRegistry();
    opened.add(r);
    return r;
  }

  @AfterEach
  void closeRegistries() {
    opened.forEach(Registry::close);
  }

  static List<SignedRecord> all(Registry r) {
    List<SignedRecord> out = new ArrayList<>();
    long cursor = 0;
    Page page;
    do {
      page = r.since(cursor, 1000);
      out.addAll(page.records());
      cursor = page.next();
    } while (page.more());
    return out;
  }

  static RecordException rejected(Registry r, SignedRecord record) {
    try {
      r.submit(record);
    } catch (RecordException e) {
      return e;
    }
    throw new AssertionError("expected " + record + " to be rejected");
  }

  @Test
  void carriesAnOciServiceRecordByteForByte() {
    Registry r = open();
    ServiceRecord oci = ServiceRecord.builder().name("tally").version("1.0")
        .oci(new dev.tandem.core.record.OciSpec("127.0.0.1:5000/tandem/tally@sha256:" + "0f".repeat(32), 8080, "/",
            64, 500, 16))
        .createdAt(1_700_000_000_000L).sign(OWNER);
    assertThat(r.submit(oci)).isEqualTo(Submitted.STORED);
    ServiceRecord read = r.service(oci.serviceId()).orElseThrow();
    assertThat(read).isEqualTo(oci);
    assertThat(read.toJson().toString()).isEqualTo(oci.toJson().toString());
    assertThat(read.oci().image()).endsWith("@sha256:" + "0f".repeat(32));
  }

  @Test
  void storesAndReadsServicesAndServers() {
    Registry r = open();
    List<SignedRecord> events = new CopyOnWriteArrayList<>();
    r.onStored(events::add);
    ServiceRecord search = service(OWNER, "search");
    ServerRecord node = server(NODE, URL, 3, List.of(search.serviceId()));

    assertThat(r.submit(search)).isEqualTo(Submitted.STORED);
    assertThat(r.submit(node)).isEqualTo(Submitted.STORED);

    assertThat(r.service(search.serviceId())).contains(search);
    assertThat(r.services()).containsExactly(search);
    assertThat(r.server(NODE.publicKey())).contains(node);
    assertThat(r.servers()).containsExactly(node);
    assertThat(r.serversOffering(search.serviceId())).containsExactly(node);
    assertThat(all(r)).containsExactly(search, node);
    assertThat(events).containsExactly(search, node);

    // the same records again, built in code or received as JSON from elsewhere, change nothing
    assertThat(r.submit(search)).isEqualTo(Submitted.ALREADY_KNOWN);
    assertThat(r.submit(SignedRecord.fromJson(search.toJson()))).isEqualTo(Submitted.ALREADY_KNOWN);
    assertThat(r.submit(server(NODE, URL, 3, List.of(search.serviceId())))).isEqualTo(Submitted.ALREADY_KNOWN);
    assertThat(all(r)).containsExactly(search, node);
    assertThat(events).containsExactly(search, node);
    assertThat(r.service("bafkreinothing")).isEmpty();
    assertThat(r.server(key(77).publicKey())).isEmpty();
  }

  @Test
  void sincePagesInStoreOrderWithGrowingCursors() {
    Registry r = open();
    List<SignedRecord> expected = new ArrayList<>();
    List<ServiceRecord> services = new ArrayList<>();
    r.submit(server(NODE, URL, 1, List.of()));
    for (int i = 0; i < 5; i++) {
      ServiceRecord s = service(OWNER, "svc" + i);
      r.submit(s);
      expected.add(s);
      services.add(s);
    }
    ServerRecord second = server(NODE, URL, 2, List.of(services.get(0).serviceId()));
    r.submit(second); // supersedes the first: it leaves the log, `second` comes last
    expected.add(second);

    List<SignedRecord> seen = new ArrayList<>();
    List<Long> cursors = new ArrayList<>();
    long cursor = 0;
    Page page;
    do {
      page = r.since(cursor, 2);
      assertThat(page.records()).hasSizeBetween(1, 2);
      assertThat(page.next()).isGreaterThan(cursor);
      seen.addAll(page.records());
      cursor = page.next();
      cursors.add(cursor);
    } while (page.more());

    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(cursors).isSorted().doesNotHaveDuplicates().hasSize(3);
    // nothing after the end; a cursor beyond the end (from an older log) is answered with the end, below it
    assertThat(r.since(cursor, 10)).isEqualTo(new Page(List.of(), cursor, false));
    Page beyond = r.since(cursor + 100, 10);
    assertThat(beyond.records()).isEmpty();
    assertThat(beyond.next()).isEqualTo(cursor);
    // a record stored later appears after the cursor a reader already holds
    ServiceRecord late = service(OWNER, "late");
    r.submit(late);
    assertThat(r.since(cursor, 10).records()).containsExactly(late);
    assertThatThrownBy(() -> r.since(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.since(0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStaleServerRecordIsRejectedNamingSeqAndNothingChanges() {
    Registry r = open();
    ServerRecord five = server(NODE, URL, 5, List.of());
    r.submit(five);
    long end = r.since(0, 10).next();

    RecordException older = rejected(r, server(NODE, "http://127.0.0.1:7002", 3, List.of()));
    RecordException sameSeq = rejected(r, server(NODE, "http://127.0.0.1:9999", 5, List.of()));

    assertThat(older.field()).isEqualTo("seq");
    assertThat(older.getMessage()).isEqualTo("seq: 3 is not newer than the stored 5");
    assertThat(sameSeq.field()).isEqualTo("seq");
    assertThat(sameSeq.getMessage()).contains("5 is already used by a different record");
    assertThat(r.server(NODE.publicKey())).contains(five);
    assertThat(r.since(0, 10)).isEqualTo(new Page(List.of(five), end, false));
  }

  @Test
  void aWrongMissingOrTamperedSignatureIsRejectedNamingSigAndNothingIsStored() {
    Registry r = open();
    List<SignedRecord> events = new CopyOnWriteArrayList<>();
    r.onStored(events::add);
    ServerRecord unsigned = unsignedServer(NODE, URL, 1, List.of(), false);
    // signed by a key other than the one the record names
    ServerRecord forged = new ServerRecord(NODE.publicKey(), URI.create(URL), List.of(), List.of(),
        ServerRecord.Capacity.defaults(), 1, false, key(99).sign(unsigned.signingBytes()));
    ObjectNode serverJson = server(NODE, URL, 1, List.of()).toJson();
    serverJson.put("url", "http://evil.example:7001"); // redirect traffic, keep the signature
    ObjectNode serviceJson = service(OWNER, "search").toJson();
    ((ObjectNode) serviceJson.get("limits")).put("fuel", 1); // starve the service, keep the signature

    assertThat(rejected(r, forged).field()).isEqualTo("sig");
    assertThat(rejected(r, unsigned).field()).isEqualTo("sig");
    assertThat(rejected(r, SignedRecord.fromJson(serverJson)).field()).isEqualTo("sig");
    assertThat(rejected(r, SignedRecord.fromJson(serviceJson)).field()).isEqualTo("sig");

    assertThat(r.server(NODE.publicKey())).isEmpty();
    assertThat(r.services()).isEmpty();
    assertThat(all(r)).isEmpty();
    assertThat(events).isEmpty();
  }

  @Test
  void aRecordTooLargeToExchangeIsRejectedEvenWhenBuiltInCode() {
    // 2 × 1,000 service ids fit the per-list limits of the constructor but not the 64 KiB record limit.
    List<String> ids = IntStream.range(0, 1000)
        .mapToObj(i -> Cid.rawSha256(("m" + i).getBytes(StandardCharsets.UTF_8)).toString()).toList();
    ServerRecord huge = new ServerRecord(NODE.publicKey(), URI.create(URL), ids, ids,
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(NODE);
    Registry r = open();
    assertThat(rejected(r, huge).field()).isEqualTo("record");
    assertThat(all(r)).isEmpty();
  }

  @Test
  void aRetiredServerIsNoLongerCurrentNorOffersAnything() {
    Registry r = open();
    ServiceRecord a = service(OWNER, "a");
    ServiceRecord b = service(OWNER, "b");
    KeyPair other = key(3);
    ServerRecord n1 = server(NODE, URL, 1, List.of(a.serviceId(), b.serviceId()));
    ServerRecord n2 = server(other, "http://127.0.0.1:7002", 1, List.of(a.serviceId()));
    r.submit(a);
    r.submit(b);
    r.submit(n1);
    r.submit(n2);
    assertThat(r.serversOffering(a.serviceId())).containsExactlyInAnyOrder(n1, n2);
    assertThat(r.serversOffering(b.serviceId())).containsExactly(n1);
    assertThat(r.servers()).isSortedAccordingTo((x, y) -> x.key().compareTo(y.key())).hasSize(2);

    ServerRecord retired = unsignedServer(NODE, URL, 2, List.of(a.serviceId()), true).signedBy(NODE);
    assertThat(r.submit(retired)).isEqualTo(Submitted.STORED);

    assertThat(r.servers()).containsExactly(n2);
    assertThat(r.server(NODE.publicKey())).contains(retired);
    assertThat(r.serversOffering(a.serviceId())).containsExactly(n2);
    assertThat(r.serversOffering(b.serviceId())).isEmpty();
    assertThat(r.serversOffering("bafkreinothing")).isEmpty();

    // a retired server may come back with a higher seq
    ServerRecord back = server(NODE, URL, 3, List.of(b.serviceId()));
    r.submit(back);
    assertThat(r.servers()).containsExactlyInAnyOrder(back, n2);
    assertThat(r.serversOffering(b.serviceId())).containsExactly(back);
    assertThat(rejected(r, retiredServer(NODE, URL, 3)).field()).isEqualTo("seq");
  }

  @Test
  void resolveFindsByIdOrByNameNewestFirst() {
    Registry r = open();
    ServiceRecord old = ServiceRecord.builder().name("search").version("1").createdAt(1_000)
        .module(Cid.rawSha256(new byte[] {1})).sign(OWNER);
    ServiceRecord newer = ServiceRecord.builder().name("search").version("2").createdAt(2_000)
        .module(Cid.rawSha256(new byte[] {2})).sign(key(4));
    ServiceRecord zeta = service(OWNER, "zeta");
    r.submit(zeta);
    r.submit(old);
    r.submit(newer);
    assertThat(r.resolve("search")).containsExactly(newer, old);
    assertThat(r.resolve(old.serviceId())).containsExactly(old);
    assertThat(r.resolve("nothing")).isEmpty();
    assertThat(r.services()).extracting(ServiceRecord::name).containsExactly("search", "search", "zeta");
  }

  @Test
  void aClosedRegistryRefusesWork() {
    Registry r = open();
    r.close();
    r.close(); // idempotent
    assertThatThrownBy(() -> r.submit(service(OWNER, "x"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.since(0, 1)).isInstanceOf(IllegalStateException.class);
  }
}
