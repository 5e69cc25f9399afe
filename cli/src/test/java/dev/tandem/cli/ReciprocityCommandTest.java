package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.reciprocity.Ledger;
import dev.tandem.node.reciprocity.Reciprocity;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text the command prints for a real report, and its error when the node cannot be reached. */
class ReciprocityCommandTest {
  @TempDir Path dir;

  static ServiceRecord service(String name, KeyPair owner) {
    return ServiceRecord.builder().name(name).module(Cid.rawSha256(name.getBytes(StandardCharsets.UTF_8)))
        .createdAt(1_700_000_000_000L).sign(owner);
  }

  static ServerRecord server(PublicKey key, int port, List<String> offers, List<String> rewards) {
    return new ServerRecord(key, URI.create("http://127.0.0.1:" + port), offers, rewards,
        ServerRecord.Capacity.defaults(), 1, false, null);
  }

  @Test
  void printsPeersTheLedgerAndWhatThePlannerCouldNotHonour() throws Exception {
    KeyPair owner = KeyPair.generate();
    ServiceRecord matrix = service("matrix", owner);
    ServiceRecord search = service("search", owner);
    ServiceRecord whisper = service("whisper", owner);
    PublicKey me = KeyPair.generate().publicKey();
    PublicKey a = KeyPair.generate().publicKey();
    PublicKey c = KeyPair.generate().publicKey();
    // I (like the seed's B) offer whisper and reward matrix; A runs matrix and rewards search and matrix; C rewards
    // search only. My one slot holds whisper, so I cannot pay A; C and I neither give nor owe.
    List<ServerRecord> records = List.of(
        server(a, 7401, List.of(matrix.serviceId()), List.of(search.serviceId(), matrix.serviceId())),
        server(c, 7403, List.of(), List.of(search.serviceId())),
        server(me, 7402, List.of(whisper.serviceId()), List.of(matrix.serviceId())));
    Map<String, ServiceRecord> byId = Map.of(matrix.serviceId(), matrix, search.serviceId(), search,
        whisper.serviceId(), whisper);
    Reciprocity.Host host = new Reciprocity.Host() {
      @Override public Set<String> operatorOffers() { return Set.of(whisper.serviceId()); }
      @Override public Set<String> rewards() { return Set.of(matrix.serviceId()); }
      @Override public ServerRecord.Capacity capacity() { return new ServerRecord.Capacity(1, 64); }
      @Override public OptionalLong moduleWeight(Cid module) { return OptionalLong.empty(); }
      @Override public Map<String, String> unrunnable() { return Map.of(); }
      @Override public void offer(Set<String> serviceIds) { }
    };
    Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    try (Ledger ledger = Ledger.open(dir.resolve("node.db"), me, () -> records);
        Reciprocity r = new Reciprocity(me, () -> records, id -> Optional.ofNullable(byId.get(id)), ledger, host,
            Reciprocity.Settings.defaults(), clock)) {
      r.round();
      ledger.observed(a, matrix.serviceId(), 2_500_000);
      String text = render(r.reciprocity(dev.tandem.core.json.Json.object().put("peer", a.toString())));
      assertThat(text).contains("node " + me + "   grace 10m   capacity 1/1 services, 16/64 MiB");
      assertThat(text).contains("offers by the operator: whisper (bafkrei");
      assertThat(text).contains("offers for peers:       -");
      assertThat(text).containsPattern("(?m)^" + a + " +http://127.0.0.1:7401 +1 +0/1 +0 +1 +0  owed +0 / 0 +1 / 2.5M +-$");
      assertThat(text).contains("ledger with " + a + ":").containsPattern("(?m)^  matrix \\(bafkrei.*1 / 2.5M$");
      assertThat(text).contains("last round 2026-01-02T03:04:05Z:");
      assertThat(text).contains("  cannot honour  " + a + ": 1 of 1 owed cannot be added: no capacity");
      assertThat(text).containsPattern("search \\(bafkrei.*\\): no capacity: no free service slot: 1 of 1 in use");
      assertThat(text).doesNotContain(c.toString()); // C gives nothing and gets nothing: a quiet peer
      assertThat(text).contains("(1 other server has no dealings with this node)");
    }
  }

  @Test
  void anUnreachableNodeIsOneClearLine() {
    CliTest.Run run = CliTest.run("reciprocity", "--node", "http://127.0.0.1:9");
    assertThat(run.code()).as("a node that is down is a failed job, not bad input").isEqualTo(1);
    assertThat(run.err()).startsWith("tandem reciprocity: ").contains("cannot reach node").doesNotContain("\tat ");
  }

  static String render(com.fasterxml.jackson.databind.JsonNode report) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ReciprocityCommand.render(report, new PrintStream(buf, true, StandardCharsets.UTF_8));
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void formatsNumbersAndDurationsForPeople() {
    assertThat(ReciprocityCommand.human(999)).isEqualTo("999");
    assertThat(ReciprocityCommand.human(1_234)).isEqualTo("1.2k");
    assertThat(ReciprocityCommand.human(5_600_000_000L)).isEqualTo("5.6G");
    assertThat(ReciprocityCommand.duration(Duration.ofMinutes(10).toMillis())).isEqualTo("10m");
    assertThat(ReciprocityCommand.duration(90_000)).isEqualTo("1m30s");
    assertThat(ReciprocityCommand.duration(250)).isEqualTo("250ms");
  }
}
