package dev.tandem.node.reciprocity;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.reciprocity.Ledger.PeerState;
import dev.tandem.node.reciprocity.Ledger.Totals;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What {@code tandem_reciprocity} answers: this node against each peer it has dealings with (who gives and owes
 * what, the status, the ledger), what it runs for whom, and what the planner did in its last rounds. Counts use what
 * the node intends to offer (the operator's runnable services and the held ones), as the planner does.
 *
 * @param me this node's key
 * @param at when the report was made, in milliseconds since the epoch
 * @param grace the grace period
 * @param capacity what the operator lets the node run
 * @param usedServices services counted against the capacity
 * @param usedMemoryBytes their memory limits added up
 * @param operatorOffers the operator's services
 * @param held the services run for peers, by id
 * @param peers one row per peer with any dealings, by key
 * @param quietPeers how many other servers neither give nor get anything from this node
 * @param lastRound the latest planner round, or null
 * @param lastChange the latest round that added, withdrew or moved a service or saw a default, or null
 * @param names service id → name, for every service mentioned
 * @param convicted the peers listed that this node holds convicted: their offers count for nothing in {@code theyGive}
 */
public record ReciprocityReport(
    PublicKey me,
    long at,
    Duration grace,
    ServerRecord.Capacity capacity,
    int usedServices,
    long usedMemoryBytes,
    List<String> operatorOffers,
    SortedMap<String, Held> held,
    List<PeerRow> peers,
    int quietPeers,
    Reciprocity.Round lastRound,
    Reciprocity.Round lastChange,
    Map<String, String> names,
    Set<PublicKey> convicted) {

  /** Version of the JSON shape; bumped on incompatible changes. */
  public static final int VERSION = 1;

  /**
   * This node and one peer.
   *
   * @param peer the peer's key
   * @param url where it is reached
   * @param pair give and owe, seen from this node (x = this node, y = the peer), with the status
   * @param runningFor services held for this peer, sorted
   * @param arrearsSince when it fell into arrears, or null
   * @param defaultAt when it defaults unless it gives again, or null
   * @param defaultedAt when it last defaulted (shown for one grace period), or null
   * @param totals the ledger between the two
   * @param services the ledger per service, only for the peer asked about
   * @param declared the services this node rewards that the peer's record offers, convicted or not, delivered or not
   * @param probes the latest delivery probe of each service the peer was probed for, by service id
   */
  public record PeerRow(PublicKey peer, URI url, Pair pair, List<String> runningFor, Long arrearsSince,
      Long defaultAt, Long defaultedAt, Totals totals, List<Ledger.Usage> services, List<String> declared,
      Map<String, DeliveryProbes.Probe> probes) {
    public PeerRow {
      runningFor = List.copyOf(runningFor);
      services = services == null ? null : List.copyOf(services);
      declared = List.copyOf(declared);
      probes = Map.copyOf(probes);
    }

    /** How many declared offers passed their latest probe. */
    public long delivered() {
      return declared.stream().filter(s -> probes.containsKey(s)
          && probes.get(s).result() == DeliveryProbes.Result.DELIVERED).count();
    }

    /** How many declared offers failed their latest probe (they earn no credit). */
    public long undelivered() {
      return declared.stream().filter(s -> probes.containsKey(s)
          && probes.get(s).result() != DeliveryProbes.Result.DELIVERED).count();
    }
  }

  static ReciprocityReport build(PlanInput in, Map<PublicKey, PeerState> states, Duration grace, Ledger ledger,
      Reciprocity.Round lastRound, Reciprocity.Round lastChange, Function<String, String> name, PublicKey detail,
      Predicate<PublicKey> isConvicted, Map<PublicKey, List<String>> declared, DeliveryProbes probes) {
    TreeSet<String> mine = new TreeSet<>();
    long memory = 0;
    for (String s : new TreeSet<>(in.operatorOffers())) {
      if (!in.unrunnable().containsKey(s)) {
        mine.add(s);
        memory += Planner.memory(in, s);
      }
    }
    for (String s : in.held().keySet()) {
      if (!in.unrunnable().containsKey(s) && mine.add(s)) {
        memory += Planner.memory(in, s);
      }
    }
    Obligations ob = Obligations.of(in.records()).with(in.me(), Obligations.Sides.of(mine, in.myRewards()));
    Map<PublicKey, ServerRecord> records = Planner.peers(in);
    Map<PublicKey, Totals> totals = ledger.totals();
    List<PeerRow> rows = new ArrayList<>();
    int quiet = 0;
    for (PublicKey y : ob.servers()) {
      if (y.equals(in.me())) {
        continue;
      }
      Pair pair = ob.pair(in.me(), y);
      List<String> runningFor = in.held().entrySet().stream().filter(e -> e.getValue().peer().equals(y))
          .map(Map.Entry::getKey).sorted().toList();
      PeerState st = states.getOrDefault(y, PeerState.NONE);
      Totals t = totals.getOrDefault(y, Totals.ZERO);
      List<String> theyDeclare = declared.getOrDefault(y, List.of());
      boolean dealings = pair.giveXToY() > 0 || pair.giveYToX() > 0 || !runningFor.isEmpty() || !st.empty()
          || !t.equals(Totals.ZERO) || y.equals(detail) || !theyDeclare.isEmpty();
      if (!dealings) {
        quiet++;
        continue;
      }
      Long defaultAt = st.arrearsSince() == null ? null : st.arrearsSince() + grace.toMillis();
      boolean inDefault = st.defaultedAt() != null || (defaultAt != null && in.now() >= defaultAt);
      rows.add(new PeerRow(y, records.get(y).url(), inDefault ? pair.inDefault() : pair, runningFor,
          st.arrearsSince(), defaultAt, st.defaultedAt(), t, y.equals(detail) ? ledger.usage(y) : null, theyDeclare,
          probes == null ? Map.of() : probes.of(y)));
    }
    Map<String, String> names = new TreeMap<>();
    List<String> mentioned = new ArrayList<>(in.operatorOffers());
    mentioned.addAll(in.held().keySet());
    rows.forEach(r -> mentioned.addAll(r.pair().xOffersOfYRewards()));
    rows.forEach(r -> mentioned.addAll(r.declared()));
    rows.stream().filter(r -> r.services() != null).forEach(r -> r.services().forEach(u -> mentioned.add(u.service())));
    for (Reciprocity.Round r : new Reciprocity.Round[] {lastRound, lastChange}) {
      if (r != null) {
        mentioned.addAll(servicesOf(r));
      }
    }
    mentioned.forEach(s -> names.computeIfAbsent(s, name));
    return new ReciprocityReport(in.me(), in.now(), grace, in.capacity(), mine.size(), memory,
        List.copyOf(new TreeSet<>(in.operatorOffers())), new TreeMap<>(in.held()), rows, quiet, lastRound,
        lastChange, names, rows.stream().map(PeerRow::peer).filter(isConvicted).collect(Collectors.toSet()));
  }

  private static List<String> servicesOf(Reciprocity.Round r) {
    List<String> out = new ArrayList<>();
    Plan p = r.plan();
    p.added().forEach(c -> out.add(c.service()));
    p.withdrawn().forEach(c -> out.add(c.service()));
    p.reassigned().forEach(c -> out.add(c.service()));
    p.cannotHonour().forEach(s -> s.blocked().forEach(b -> out.add(b.service())));
    r.defaults().forEach(d -> out.addAll(d.arrears().runningFor()));
    return out;
  }

  /** The JSON answer of {@code tandem_reciprocity}. */
  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("version", VERSION);
    json.put("key", me.toString());
    json.put("at", at);
    json.put("graceMs", grace.toMillis());
    ObjectNode cap = json.putObject("capacity");
    cap.put("maxServices", capacity.maxServices());
    cap.put("maxMemoryMb", capacity.maxMemoryMb());
    cap.put("usedServices", usedServices);
    cap.put("usedMemoryBytes", usedMemoryBytes);
    ObjectNode offers = json.putObject("offers");
    ids(offers.putArray("operator"), operatorOffers);
    ArrayNode rec = offers.putArray("reciprocity");
    held.forEach((s, h) -> {
      ObjectNode o = rec.addObject();
      o.put("service", s);
      o.put("name", names.get(s));
      o.put("for", h.peer().toString());
      o.put("level", h.level());
      o.put("since", h.since());
    });
    ArrayNode ps = json.putArray("peers");
    for (PeerRow r : peers) {
      ObjectNode o = ps.addObject();
      o.put("peer", r.peer().toString());
      o.put("url", r.url().toString());
      o.put("theyGive", r.pair().giveYToX());
      o.put("iGive", r.pair().giveXToY());
      o.put("iOwe", r.pair().xOwesY());
      o.put("theyOwe", r.pair().yOwesX());
      o.put("status", r.pair().status().text());
      o.put("convicted", convicted.contains(r.peer())); // its offers are not counted in theyGive
      // Declared: what its record offers of this node's rewards; delivered / undelivered: what passed / failed its
      // latest probe. Undelivered offers are not counted in theyGive either.
      o.put("declared", r.declared().size());
      o.put("delivered", r.delivered());
      o.put("undelivered", r.undelivered());
      ArrayNode probed = o.putArray("probes");
      r.probes().values().stream().sorted(java.util.Comparator.comparing(DeliveryProbes.Probe::service))
          .forEach(p -> probed.add(p.toJson().put("name", names.get(p.service()))));
      ids(o.putArray("iOfferTheyReward"), r.pair().xOffersOfYRewards());
      ids(o.putArray("runningFor"), r.runningFor());
      putLong(o, "arrearsSince", r.arrearsSince());
      putLong(o, "defaultAt", r.defaultAt());
      putLong(o, "defaultedAt", r.defaultedAt());
      ObjectNode l = o.putObject("ledger");
      totals(l, r.totals());
      if (r.services() != null) {
        ArrayNode per = l.putArray("services");
        for (Ledger.Usage u : r.services()) {
          ObjectNode x = per.addObject();
          x.put("service", u.service());
          x.put("name", names.get(u.service()));
          totals(x, u.totals());
        }
      }
    }
    json.put("quietPeers", quietPeers);
    ObjectNode n = json.putObject("names");
    names.forEach(n::put);
    json.set("lastRound", round(lastRound));
    json.set("lastChange", round(lastChange));
    return json;
  }

  private ObjectNode round(Reciprocity.Round r) {
    if (r == null) {
      return null;
    }
    ObjectNode o = Json.object();
    o.put("at", r.at());
    changes(o.putArray("added"), r.plan().added());
    changes(o.putArray("withdrawn"), r.plan().withdrawn());
    changes(o.putArray("reassigned"), r.plan().reassigned());
    ArrayNode cannot = o.putArray("cannotHonour");
    for (Plan.Shortfall s : r.plan().cannotHonour()) {
      ObjectNode x = cannot.addObject();
      x.put("peer", s.peer().toString());
      x.put("owed", s.owed());
      x.put("missing", s.missing());
      x.put("why", s.why());
      ArrayNode blocked = x.putArray("blocked");
      for (Plan.Blocked b : s.blocked()) {
        ObjectNode y = blocked.addObject();
        y.put("service", b.service());
        y.put("name", names.get(b.service()));
        y.put("reason", b.reason().text());
        y.put("detail", b.detail());
      }
    }
    ArrayNode defaults = o.putArray("defaults");
    for (Reciprocity.Default d : r.defaults()) {
      ObjectNode x = defaults.addObject();
      x.put("peer", d.peer().toString());
      x.put("arrearsSince", d.since());
      x.put("theyGive", d.arrears().theyGive());
      x.put("promised", d.arrears().promised());
      x.put("iGive", d.arrears().iGive());
      ids(x.putArray("runningFor"), d.arrears().runningFor());
    }
    return o;
  }

  private void changes(ArrayNode out, List<Plan.Change> changes) {
    for (Plan.Change c : changes) {
      ObjectNode x = out.addObject();
      x.put("service", c.service());
      x.put("name", names.get(c.service()));
      x.put("peer", c.peer().toString());
      x.put("reason", c.reason().text());
      x.put("detail", c.detail());
    }
  }

  private static void totals(ObjectNode o, Totals t) {
    ObjectNode served = o.putObject("served");
    served.put("calls", t.servedCalls());
    served.put("fuel", t.servedFuel());
    ObjectNode observed = o.putObject("observed");
    observed.put("calls", t.observedCalls());
    observed.put("fuel", t.observedFuel());
  }

  private static void ids(ArrayNode out, Collection<String> ids) {
    ids.forEach(out::add);
  }

  private static void putLong(ObjectNode o, String field, Long v) {
    if (v == null) {
      o.putNull(field);
    } else {
      o.put(field, v);
    }
  }
}
