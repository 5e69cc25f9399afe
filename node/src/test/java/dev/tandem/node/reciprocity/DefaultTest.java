package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.reciprocity.Plan.Reason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that stops running what I reward falls into arrears, then, after the grace period, into default, and loses
 * what I ran only for it; what I run for others and what my operator chose stay.
 */
class DefaultTest {
  static final Duration GRACE = Duration.ofMillis(500);
  static final PublicKey ME = Fixtures.key("me").publicKey();
  static final PublicKey Y = Fixtures.key("Y").publicKey();
  static final PublicKey Z = Fixtures.key("Z").publicKey();
  static final List<ServiceRecord> SVC = Stream.of(0, 1, 2, 3, 4).map(i -> Fixtures.synthetic(i, 16, 100)).toList();
  static final String A = SVC.get(0).serviceId(); // Y runs it, I reward it
  static final String B = SVC.get(1).serviceId(); // Z runs it, I reward it
  static final String T = SVC.get(2).serviceId(); // Y rewards it
  static final String U = SVC.get(3).serviceId(); // Z rewards it
  static final String O = SVC.get(4).serviceId(); // my operator's choice, nobody rewards it

  @TempDir Path dir;
  final TestClock clock = new TestClock(1_000_000);
  final List<ServerRecord> registry = new CopyOnWriteArrayList<>();
  final FakeHost host = new FakeHost();
  Ledger ledger;
  Reciprocity reciprocity;

  @BeforeEach
  void setUp() throws Exception {
    registry.add(Fixtures.server(Y, List.of(A), List.of(T), 1));
    registry.add(Fixtures.server(Z, List.of(B), List.of(U), 1));
    host.operatorOffers = Set.of(O);
    host.rewards = Set.of(A, B);
    open();
  }

  /** The peers this node holds convicted. */
  final Set<PublicKey> convicted = java.util.concurrent.ConcurrentHashMap.newKeySet();

  void open() throws Exception {
    ledger = Ledger.open(dir.resolve("node.db"), ME, () -> List.copyOf(registry));
    reciprocity = new Reciprocity(ME, () -> List.copyOf(registry), this::service, ledger, host,
        new Reciprocity.Settings(GRACE, Duration.ofSeconds(60)), clock, convicted::contains);
  }

  @Test
  void aConvictedPeersOffersCountForNothing() throws Exception {
    reciprocity.round();
    assertThat(peerRow(Y).path("theyGive").asInt()).isEqualTo(1);
    assertThat(peerRow(Y).path("convicted").asBoolean()).isFalse();
    assertThat(host.current()).contains(T);

    // Y still claims to run A, but this node convicted it of a wrong answer: it gives nothing, and falls into arrears.
    convicted.add(Y);
    clock.advance(1_000);
    reciprocity.round();
    JsonNode row = peerRow(Y);
    assertThat(row.path("convicted").asBoolean()).isTrue();
    assertThat(row.path("theyGive").asInt()).isZero();
    assertThat(row.path("theyOwe").asInt()).isEqualTo(1);
    assertThat(row.path("arrearsSince").asLong()).isEqualTo(clock.millis());
    clock.advance(GRACE.toMillis());
    reciprocity.round();
    assertThat(host.current()).as("what ran only for the liar is withdrawn").doesNotContain(T).contains(U, O);
    assertThat(peerRow(Z).path("theyGive").asInt()).isEqualTo(1);
  }

  @AfterEach
  void tearDown() {
    reciprocity.close();
    ledger.close();
  }

  Optional<ServiceRecord> service(String id) {
    return SVC.stream().filter(s -> s.serviceId().equals(id)).findFirst();
  }

  void replace(ServerRecord r) {
    registry.removeIf(x -> x.key().equals(r.key()));
    registry.add(r);
  }

  JsonNode peerRow(PublicKey peer) {
    for (JsonNode row : reciprocity.reciprocity(Json.object()).path("peers")) {
      if (row.path("peer").asText().equals(peer.toString())) {
        return row;
      }
    }
    return null;
  }

  @Test
  void aPeerThatStopsGivingDefaultsAfterTheGracePeriodAndLosesWhatRanOnlyForIt() throws Exception {
    // Y runs A for me, Z runs B: I owe each one service and add T for Y and U for Z.
    Reciprocity.Round first = reciprocity.round();
    assertThat(first.plan().added()).extracting(Plan.Change::service, Plan.Change::peer)
        .containsExactlyInAnyOrder(tuple(T, Y), tuple(U, Z));
    assertThat(host.current()).containsExactlyInAnyOrder(O, T, U);
    assertThat(peerRow(Y).path("status").asText()).isEqualTo("balanced");

    // Y withdraws A. It now owes me 1 and gives less than when I took T on: arrears, not yet default.
    replace(Fixtures.server(Y, List.of(), List.of(T), 2));
    clock.advance(1_000);
    long since = clock.millis();
    reciprocity.round();
    assertThat(host.current()).containsExactlyInAnyOrder(O, T, U);
    JsonNode row = peerRow(Y);
    assertThat(row.path("status").asText()).isEqualTo("owed");
    assertThat(row.path("theyOwe").asInt()).isEqualTo(1);
    assertThat(row.path("arrearsSince").asLong()).isEqualTo(since);
    assertThat(row.path("defaultAt").asLong()).isEqualTo(since + GRACE.toMillis());

    // One millisecond before the grace period ends: still running T.
    clock.advance(GRACE.toMillis() - 1);
    assertThat(reciprocity.round().defaults()).isEmpty();
    assertThat(host.current()).contains(T);

    // The grace period is over: T goes, and the log and the report say why. U (owed to Z) and O (operator) stay.
    clock.advance(1);
    String log = captureStderr(() -> reciprocity.round());
    Reciprocity.Round round = reciprocity.lastRound();
    assertThat(round.defaults()).singleElement().satisfies(d -> {
      assertThat(d.peer()).isEqualTo(Y);
      assertThat(d.since()).isEqualTo(since);
      assertThat(d.arrears().runningFor()).containsExactly(T);
    });
    assertThat(round.plan().withdrawn()).extracting(Plan.Change::service, Plan.Change::peer, Plan.Change::reason)
        .containsExactly(tuple(T, Y, Reason.IN_DEFAULT));
    assertThat(host.current()).containsExactlyInAnyOrder(O, U);
    assertThat(reciprocity.held()).containsOnlyKeys(U);
    assertThat(log).contains("INFO").contains("peer " + Y + " is in default").contains("withdrawing");

    JsonNode report = reciprocity.reciprocity(Json.object());
    assertThat(peerRow(Y).path("status").asText()).isEqualTo("in default");
    assertThat(peerRow(Y).path("defaultedAt").asLong()).isEqualTo(clock.millis());
    assertThat(peerRow(Z).path("status").asText()).isEqualTo("balanced");
    JsonNode withdrawn = report.path("lastRound").path("withdrawn").get(0);
    assertThat(withdrawn.path("service").asText()).isEqualTo(T);
    assertThat(withdrawn.path("name").asText()).isEqualTo("svc2");
    assertThat(withdrawn.path("reason").asText()).isEqualTo("in default");
    assertThat(report.path("lastRound").path("defaults").get(0).path("peer").asText()).isEqualTo(Y.toString());

    // The next round changes nothing: no oscillation.
    clock.advance(10);
    assertThat(reciprocity.round().changed()).isFalse();
    assertThat(reciprocity.lastChange()).isSameAs(round);
  }

  @Test
  void aPeerThatGivesAgainWithinTheGracePeriodKeepsItsServices() {
    reciprocity.round();
    replace(Fixtures.server(Y, List.of(), List.of(T), 2));
    reciprocity.round();
    assertThat(peerRow(Y).path("arrearsSince").isNull()).isFalse();
    clock.advance(GRACE.toMillis() / 2);
    replace(Fixtures.server(Y, List.of(A), List.of(T), 3));
    reciprocity.round();
    clock.advance(GRACE.toMillis());
    assertThat(reciprocity.round().defaults()).isEmpty();
    assertThat(host.current()).contains(T);
    assertThat(peerRow(Y).path("arrearsSince").isNull()).isTrue();
    assertThat(peerRow(Y).path("status").asText()).isEqualTo("balanced");
  }

  @Test
  void heldServicesAndTheGracePeriodSurviveARestart() throws Exception {
    reciprocity.round();
    replace(Fixtures.server(Y, List.of(), List.of(T), 2));
    reciprocity.round();
    long since = clock.millis();
    tearDown();

    open();
    assertThat(reciprocity.held()).containsOnlyKeys(T, U);
    assertThat(reciprocity.withHeld(Set.of(O))).containsExactlyInAnyOrder(O, T, U);
    clock.advance(GRACE.toMillis());
    Reciprocity.Round round = reciprocity.round();
    assertThat(round.defaults()).singleElement().satisfies(d -> assertThat(d.since()).isEqualTo(since));
    assertThat(reciprocity.held()).containsOnlyKeys(U);
  }

  @Test
  void aRetiredPeerLosesItsServicesAtOnce() {
    reciprocity.round();
    replace(new ServerRecord(Y, java.net.URI.create("http://127.0.0.1:1"), List.of(), List.of(),
        ServerRecord.Capacity.defaults(), 9, true, null));
    Reciprocity.Round round = reciprocity.round();
    assertThat(round.plan().withdrawn()).extracting(Plan.Change::service, Plan.Change::reason)
        .containsExactly(tuple(T, Reason.PEER_GONE));
    assertThat(host.current()).containsExactlyInAnyOrder(O, U);
  }

  @Test
  void theRpcMethodRejectsABadPeerAndDetailsAGoodOne() {
    reciprocity.round();
    ledger.served(U, 1234);
    JsonNode detail = reciprocity.reciprocity(Json.object().put("peer", Z.toString()));
    JsonNode z = null;
    for (JsonNode row : detail.path("peers")) {
      if (row.path("peer").asText().equals(Z.toString())) {
        z = row;
      }
    }
    assertThat(z).isNotNull();
    assertThat(z.path("ledger").path("served").path("calls").asLong()).isEqualTo(1);
    assertThat(z.path("ledger").path("services").get(0).path("service").asText()).isEqualTo(U);
    assertThat(z.path("ledger").path("services").get(0).path("served").path("fuel").asLong()).isEqualTo(1234);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> reciprocity.reciprocity(Json.object().put("peer", "nonsense")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("peer:");
    assertThat(reciprocity.reciprocity(null).path("version").asInt()).isEqualTo(1);
  }

  static String captureStderr(Runnable r) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
