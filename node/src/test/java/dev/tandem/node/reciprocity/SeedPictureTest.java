package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.reciprocity.Pair.Status;
import dev.tandem.node.reciprocity.Plan.Reason;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The picture in the seed ("Decentralizing central services"): server A offers Matrix and Search and rewards Matrix,
 * B offers Whisper and rewards Matrix, C offers Whisper and rewards Whisper. The three example modules stand in for
 * the three services.
 */
class SeedPictureTest {
  static final ServiceRecord MATRIX = Fixtures.example("matrix", 16); // 1 MiB
  static final ServiceRecord SEARCH = Fixtures.example("search", 64); // 4 MiB
  static final ServiceRecord WHISPER = Fixtures.example("whisper", 16); // 1 MiB
  static final String M = MATRIX.serviceId();
  static final String S = SEARCH.serviceId();
  static final String W = WHISPER.serviceId();
  static final PublicKey A = Fixtures.key("A").publicKey();
  static final PublicKey B = Fixtures.key("B").publicKey();
  static final PublicKey C = Fixtures.key("C").publicKey();
  static final ServerRecord.Capacity ROOMY = new ServerRecord.Capacity(8, 256);

  static Simulation.Spec spec(PublicKey key, Set<String> offers, Set<String> rewards, ServerRecord.Capacity cap) {
    return new Simulation.Spec(key, offers, rewards, cap, Map.of(), Map.of());
  }

  static Simulation seed(ServerRecord.Capacity capB) {
    return new Simulation(List.of(
        spec(A, Set.of(M, S), Set.of(M), ROOMY),
        spec(B, Set.of(W), Set.of(M), capB),
        spec(C, Set.of(W), Set.of(W), ROOMY)), List.of(MATRIX, SEARCH, WHISPER));
  }

  @Test
  void obligationsOfTheSeedPicture() {
    Obligations ob = seed(ROOMY).obligations();
    // give(Y→X) = |offers(Y) ∩ rewards(X)|
    // give(A→B) = |{M,S} ∩ {M}| = 1    give(B→A) = |{W} ∩ {M}| = 0   → B owes A 1 − 0 = 1 service from rewards(A) = {M}
    // give(A→C) = |{M,S} ∩ {W}| = 0    give(C→A) = |{W} ∩ {M}| = 0   → balanced: nobody owes anything
    // give(B→C) = |{W} ∩ {W}| = 1      give(C→B) = |{W} ∩ {M}| = 0   → C owes B 1 − 0 = 1 service from rewards(B) = {M}
    assertThat(ob.give(A, B)).isEqualTo(1);
    assertThat(ob.give(B, A)).isZero();
    assertThat(ob.give(A, C)).isZero();
    assertThat(ob.give(C, A)).isZero();
    assertThat(ob.give(B, C)).isEqualTo(1);
    assertThat(ob.give(C, B)).isZero();

    assertThat(ob.pair(B, A)).isEqualTo(new Pair(B, A, 0, 1, 1, 0, List.of(), Status.OWED));
    assertThat(ob.pair(A, B)).isEqualTo(new Pair(A, B, 1, 0, 0, 1, List.of(M), Status.OWED));
    assertThat(ob.pair(A, C)).isEqualTo(new Pair(A, C, 0, 0, 0, 0, List.of(), Status.BALANCED));
    assertThat(ob.pair(C, A)).isEqualTo(new Pair(C, A, 0, 0, 0, 0, List.of(), Status.BALANCED));
    assertThat(ob.pair(C, B)).isEqualTo(new Pair(C, B, 0, 1, 1, 0, List.of(), Status.OWED));
    assertThat(ob.pair(B, C)).isEqualTo(new Pair(B, C, 1, 0, 0, 1, List.of(W), Status.OWED));
    assertThat(ob.owes(B, A)).isEqualTo(1);
    assertThat(ob.owes(C, B)).isEqualTo(1);
    assertThat(ob.owes(A, B)).isZero();
    assertThat(ob.owes(A, C)).isZero();
    assertThat(ob.pairs()).hasSize(6);
  }

  @Test
  void plannersWithEnoughCapacityMakeTheRuleHoldForEveryNode() {
    Simulation sim = seed(ROOMY);

    // Round 1, against the seed's records: B owes A 1 from {M} → B adds Matrix; C owes B 1 from {M} → C adds Matrix;
    // A owes nobody (B and C run nothing A rewards... yet).
    assertThat(sim.round()).isTrue();
    assertThat(sim.offers(A)).containsExactlyInAnyOrder(M, S);
    assertThat(sim.offers(B)).containsExactlyInAnyOrder(W, M);
    assertThat(sim.offers(C)).containsExactlyInAnyOrder(W, M);
    assertThat(sim.plans.get(B).added()).extracting(Plan.Change::service, Plan.Change::peer).containsExactly(
        org.assertj.core.groups.Tuple.tuple(M, A));
    assertThat(sim.plans.get(C).added()).extracting(Plan.Change::service, Plan.Change::peer).containsExactly(
        org.assertj.core.groups.Tuple.tuple(M, B));

    // Round 2: A↔B is 1:1 (M for M), B↔C is 1:1 (W for M). But now give(C→A) = |{W,M} ∩ {M}| = 1 while
    // give(A→C) = |{M,S} ∩ {W}| = 0 → A owes C 1 from rewards(C) = {W} → A adds Whisper.
    assertThat(sim.round()).isTrue();
    assertThat(sim.offers(A)).containsExactlyInAnyOrder(M, S, W);
    assertThat(sim.plans.get(A).added()).extracting(Plan.Change::service, Plan.Change::peer).containsExactly(
        org.assertj.core.groups.Tuple.tuple(W, C));
    assertThat(sim.offers(B)).containsExactlyInAnyOrder(W, M);
    assertThat(sim.offers(C)).containsExactlyInAnyOrder(W, M);

    // Round 3: A→B 1 (M) = B→A 1 (M); A→C 1 (W) = C→A 1 (M); B→C 1 (W) = C→B 1 (M). Nothing changes: a fixpoint.
    assertThat(sim.round()).isFalse();
    Obligations ob = sim.obligations();
    assertThat(ob.pairs()).allSatisfy(p -> {
      assertThat(p.status()).as("%s", p).isEqualTo(Status.BALANCED);
      assertThat(p.giveXToY()).isEqualTo(1);
    });
    // And each planner, given its own output, stays put.
    for (PublicKey k : List.of(A, B, C)) {
      Plan again = Planner.plan(sim.input(sim.specs.get(k)));
      assertThat(again.offers()).isEqualTo(sim.plans.get(k).offers());
      assertThat(again.unchanged()).isTrue();
      assertThat(again.cannotHonour()).isEmpty();
    }
    assertThat(sim.held.get(B)).containsOnlyKeys(M);
    assertThat(sim.held.get(B).get(M).peer()).isEqualTo(A);
    assertThat(sim.held.get(C).get(M).peer()).isEqualTo(B);
    assertThat(sim.held.get(A).get(W).peer()).isEqualTo(C);
  }

  @Test
  void aNodeWithNoSpareSlotReportsWhatItCannotHonour() {
    // B may run 1 service and already offers Whisper: it cannot add Matrix for A.
    Simulation sim = seed(new ServerRecord.Capacity(1, 256));
    Plan b = Planner.plan(sim.input(sim.specs.get(B)));
    assertThat(b.offers()).containsExactly(W);
    assertThat(b.added()).isEmpty();
    assertThat(b.cannotHonour()).singleElement().satisfies(s -> {
      assertThat(s.peer()).isEqualTo(A);
      assertThat(s.owed()).isEqualTo(1);
      assertThat(s.missing()).isEqualTo(1);
      assertThat(s.why()).isEqualTo("1 of 1 owed cannot be added: no capacity");
      assertThat(s.blocked()).containsExactly(
          new Plan.Blocked(M, Reason.NO_CAPACITY, "no free service slot: 1 of 1 in use"));
    });
  }

  @Test
  void aNodeWithNoSpareMemoryReportsWhatItCannotHonour() {
    // B may use 1 MiB and Whisper takes 16 pages × 64 KiB = 1 MiB: Matrix (another 1 MiB) does not fit.
    Simulation sim = seed(new ServerRecord.Capacity(8, 1));
    Plan b = Planner.plan(sim.input(sim.specs.get(B)));
    assertThat(b.offers()).containsExactly(W);
    assertThat(b.cannotHonour()).singleElement().satisfies(s -> assertThat(s.blocked()).containsExactly(
        new Plan.Blocked(M, Reason.NO_CAPACITY, "needs 1 MiB of memory, 0 of 1 MiB free")));
  }

  @Test
  void aServiceThatCannotRunOrIsUnknownIsNeverChosenAndSaysWhy() {
    String unknown = Fixtures.synthetic(99, 1, 1).serviceId(); // rewarded by B, but no record anywhere
    Simulation sim = new Simulation(List.of(
        spec(A, Set.of(M, S), Set.of(M), ROOMY),
        spec(B, Set.of(W), Set.of(M, unknown), ROOMY),
        new Simulation.Spec(C, Set.of(W), Set.of(W), ROOMY, Map.of(), Map.of(M, "module rejected: test"))),
        List.of(MATRIX, SEARCH, WHISPER));
    assertThat(sim.untilFixpoint(10)).isPositive();
    assertThat(sim.offers(C)).containsExactly(W);
    Plan c = sim.plans.get(C);
    assertThat(c.cannotHonour()).singleElement().satisfies(s -> {
      assertThat(s.peer()).isEqualTo(B);
      assertThat(s.blocked()).extracting(Plan.Blocked::service, Plan.Blocked::reason).containsExactlyInAnyOrder(
          org.assertj.core.groups.Tuple.tuple(M, Reason.CANNOT_RUN),
          org.assertj.core.groups.Tuple.tuple(unknown, Reason.UNKNOWN_SERVICE));
    });
  }
}
