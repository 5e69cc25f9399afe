package dev.tandem.node.reciprocity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.reciprocity.Plan.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {
  static final PublicKey ME = Fixtures.key("me").publicKey();
  static final PublicKey Y = Fixtures.key("Y").publicKey();
  static final PublicKey Z = Fixtures.key("Z").publicKey();
  // svc0..svc9: memory pages and fuel chosen per test below.
  static final List<ServiceRecord> SVC = new ArrayList<>();
  static final List<String> ID = new ArrayList<>();

  static {
    int[] pages = {16, 16, 32, 16, 16, 16, 16, 16, 16, 16};
    long[] fuel = {1000, 500, 100, 100, 100, 100, 100, 100, 100, 100};
    for (int i = 0; i < 10; i++) {
      SVC.add(Fixtures.synthetic(i, pages[i], fuel[i]));
      ID.add(SVC.get(i).serviceId());
    }
  }

  static PlanInput.Builder base(ServerRecord... peers) {
    return PlanInput.builder(ME).records(List.of(peers)).services(SVC).capacity(10, 1024);
  }

  static String module(int i) {
    return SVC.get(i).module().toString();
  }

  @Test
  void choosesFetchedFirstThenSmallestModuleThenFewestPagesThenLeastFuelThenId() {
    // Y runs 1 service I reward, and rewards svc0..svc4; I owe it 1.
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(9)), List.of(ID.get(0), ID.get(1), ID.get(2), ID.get(3),
        ID.get(4)), 1);
    PlanInput.Builder in = base(y).myRewards(List.of(ID.get(9)));
    // Nothing fetched: fewest pages (svc2 has 32, out), then least fuel → svc3 or svc4 (100), then by id.
    String cheapest = ID.get(3).compareTo(ID.get(4)) < 0 ? ID.get(3) : ID.get(4);
    assertThat(Planner.plan(in.build()).held()).containsOnlyKeys(cheapest);
    // svc0 and svc1 fetched: a fetched module beats any unfetched one; the smaller module wins.
    in.fetched(Map.of(module(0), 5_000L, module(1), 9_000L));
    assertThat(Planner.plan(in.build()).held()).containsOnlyKeys(ID.get(0));
    // Same size: fewer pages would decide, then fuel: svc1 burns less fuel than svc0.
    in.fetched(Map.of(module(0), 5_000L, module(1), 5_000L));
    assertThat(Planner.plan(in.build()).held()).containsOnlyKeys(ID.get(1));
  }

  @Test
  void theSameInputInAnyOrderGivesTheSamePlan() {
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(8), ID.get(9)), List.of(ID.get(0), ID.get(1), ID.get(2)), 1);
    ServerRecord z = Fixtures.server(Z, List.of(ID.get(9)), List.of(ID.get(2), ID.get(3)), 1);
    List<ServerRecord> records = new ArrayList<>(List.of(y, z));
    PlanInput in = base().records(records).myRewards(List.of(ID.get(8), ID.get(9))).build();
    Plan first = Planner.plan(in);
    Collections.reverse(records);
    assertThat(Planner.plan(base().records(records).myRewards(List.of(ID.get(8), ID.get(9))).build()))
        .isEqualTo(first);
    assertThat(Planner.plan(in)).isEqualTo(first);
  }

  @Test
  void oneServiceCanPayTwoDebts() {
    // Y and Z each run one service I reward and both reward svc2 (and other things): one addition pays both.
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(8)), List.of(ID.get(2), ID.get(5)), 1);
    ServerRecord z = Fixtures.server(Z, List.of(ID.get(9)), List.of(ID.get(2), ID.get(6)), 1);
    Plan p = Planner.plan(base(y, z).myRewards(List.of(ID.get(8), ID.get(9)))
        .fetched(Map.of(module(2), 1L)).build());
    assertThat(p.offers()).containsExactly(ID.get(2));
    assertThat(p.cannotHonour()).isEmpty();
  }

  @Test
  void rerunningWithItsOwnOutputPublishedChangesNothing() {
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(7), ID.get(8)), List.of(ID.get(0), ID.get(1), ID.get(2)), 1);
    ServerRecord z = Fixtures.server(Z, List.of(ID.get(9)), List.of(ID.get(1), ID.get(3)), 1);
    PlanInput in = base(y, z).capacity(2, 1024).myRewards(List.of(ID.get(7), ID.get(8), ID.get(9))).build();
    Plan first = Planner.plan(in);
    assertThat(first.offers()).hasSize(2);
    ServerRecord mine = Fixtures.server(ME, List.copyOf(first.offers()), List.of(ID.get(7), ID.get(8), ID.get(9)), 2);
    Plan second = Planner.plan(in.next(List.of(y, z, mine), first.held()));
    assertThat(second.offers()).isEqualTo(first.offers());
    assertThat(second.held()).isEqualTo(first.held());
    assertThat(second.unchanged()).isTrue();
    assertThat(second.cannotHonour()).isEqualTo(first.cannotHonour());
  }

  @Test
  void keepsWhatNowCountsTowardTheBalance() {
    // svc0 was added for Y when Y ran 1 service I reward. I now give 1, Y gives 1: nothing owed, but svc0 stays,
    // or I would owe Y again next round.
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(9)), List.of(ID.get(0)), 1);
    Plan p = Planner.plan(base(y).myRewards(List.of(ID.get(9))).held(Map.of(ID.get(0), new Held(Y, 1, 0))).build());
    assertThat(p.held()).containsOnlyKeys(ID.get(0));
    assertThat(p.unchanged()).isTrue();
  }

  @Test
  void neverWithdrawsTheOperatorsChoiceAndMakesRoomByWithdrawingHeldServices() {
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(8), ID.get(9)), List.of(ID.get(0), ID.get(1)), 1);
    Map<String, Held> held = Map.of(ID.get(0), new Held(Y, 2, 0), ID.get(1), new Held(Y, 2, 0));
    // The operator now offers 2 services on a 3-slot node: only one held service still fits.
    Plan p = Planner.plan(base(y).capacity(3, 1024).myRewards(List.of(ID.get(8), ID.get(9)))
        .operatorOffers(List.of(ID.get(5), ID.get(6))).held(held).build());
    assertThat(p.offers()).contains(ID.get(5), ID.get(6)).hasSize(3);
    assertThat(p.withdrawn()).extracting(Plan.Change::service, Plan.Change::reason)
        .containsExactly(tuple(ID.get(0), Reason.NO_CAPACITY)); // svc0 burns more fuel than svc1: it goes first
    assertThat(p.cannotHonour()).singleElement().satisfies(s -> assertThat(s.missing()).isEqualTo(1));
    // Operator offers beyond capacity are kept as they are; the planner adds nothing.
    Plan over = Planner.plan(base(y).capacity(1, 1024).myRewards(List.of(ID.get(8), ID.get(9)))
        .operatorOffers(List.of(ID.get(5), ID.get(6))).build());
    assertThat(over.offers()).containsExactlyInAnyOrder(ID.get(5), ID.get(6));
    assertThat(over.held()).isEmpty();
  }

  @Test
  void anOperatorServiceThatCannotRunGivesNothingAndTakesNoSlot() {
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(9)), List.of(ID.get(0), ID.get(1)), 1);
    Plan p = Planner.plan(base(y).capacity(1, 1024).myRewards(List.of(ID.get(9))).operatorOffers(List.of(ID.get(0)))
        .unrunnable(Map.of(ID.get(0), "module rejected: bad")).build());
    // svc0 is still asked for (the operator chose it) but does not pay Y, so svc1 is added in the free slot.
    assertThat(p.offers()).containsExactlyInAnyOrder(ID.get(0), ID.get(1));
    assertThat(p.held()).containsOnlyKeys(ID.get(1));
  }

  @Test
  void dropsWhatAGonePeerOrAnUnrewardedServiceNoLongerJustifiesAndReassignsWhatOthersNeed() {
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(8)), List.of(ID.get(1)), 1); // no longer rewards svc0
    ServerRecord z = Fixtures.server(Z, List.of(ID.get(9)), List.of(ID.get(0)), 1); // rewards svc0, gives me 1
    ServerRecord gone = new ServerRecord(Fixtures.key("gone").publicKey(), java.net.URI.create("http://127.0.0.1:1"),
        List.of(), List.of(ID.get(3)), ServerRecord.Capacity.defaults(), 5, true, null);
    Map<String, Held> held = Map.of(ID.get(0), new Held(Y, 1, 0), ID.get(3), new Held(gone.key(), 1, 0));
    Plan p = Planner.plan(base(y, z, gone).myRewards(List.of(ID.get(8), ID.get(9))).held(held)
        .fetched(Map.of(module(0), 1L, module(1), 1L)).build());
    assertThat(p.withdrawn()).extracting(Plan.Change::service, Plan.Change::reason)
        .containsExactly(tuple(ID.get(3), Reason.PEER_GONE));
    assertThat(p.reassigned()).extracting(Plan.Change::service, Plan.Change::peer)
        .containsExactly(tuple(ID.get(0), Z));
    assertThat(p.added()).extracting(Plan.Change::service, Plan.Change::peer).containsExactly(tuple(ID.get(1), Y));
    assertThat(p.held().get(ID.get(0)).peer()).isEqualTo(Z);
  }

  @Test
  void aDefaultedPeerLosesWhatRunsOnlyForItButKeepsWhatItStillEarns() {
    // Y ran 2 services I reward, I added svc0 and svc1 for it. It now runs 1: it defaulted. Both go, and the planner
    // pays the 1 it still gives with the cheapest (svc1, less fuel): net, svc0 is withdrawn.
    ServerRecord y = Fixtures.server(Y, List.of(ID.get(8)), List.of(ID.get(0), ID.get(1)), 3);
    Map<String, Held> held = Map.of(ID.get(0), new Held(Y, 2, 0), ID.get(1), new Held(Y, 2, 0));
    PlanInput in = base(y).myRewards(List.of(ID.get(8), ID.get(9))).held(held).build();
    assertThat(Planner.arrears(in)).singleElement().isEqualTo(
        new Planner.Arrears(Y, 1, 2, 2, List.of(ID.get(0), ID.get(1)).stream().sorted().toList()));
    Plan p = Planner.plan(in.withDefaulted(Set.of(Y)));
    assertThat(p.withdrawn()).extracting(Plan.Change::service, Plan.Change::reason)
        .containsExactly(tuple(ID.get(0), Reason.IN_DEFAULT));
    assertThat(p.held()).containsOnlyKeys(ID.get(1));
    assertThat(p.held().get(ID.get(1)).level()).isEqualTo(1);
    // With its new level, Y is no longer in arrears.
    assertThat(Planner.arrears(in.next(in.records(), p.held()))).isEmpty();
  }
}
