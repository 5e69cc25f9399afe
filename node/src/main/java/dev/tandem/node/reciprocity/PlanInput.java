package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the {@link Planner} decides from. Values only, so a plan can be recomputed and compared.
 *
 * @param me this node's key
 * @param records the registry's current server records (retired ones and this node's own are ignored)
 * @param services service records by service id; an id missing here is "service record unknown"
 * @param capacity what the operator lets this node run
 * @param myRewards the services this node rewards
 * @param operatorOffers the services the operator chose: always offered, never withdrawn, never "held"
 * @param fetched module CID (text) → its weight (the heap its load may take, in bytes), for the modules already
 *     stored locally
 * @param unrunnable service id → why it cannot run here (its module was rejected); never chosen
 * @param held what the planner ran for peers after the previous round (see {@link Plan#held()})
 * @param defaulted peers whose arrears outlasted the grace period: they lose what is run only for them
 * @param now the time stamped on services added this round, in milliseconds since the epoch
 */
public record PlanInput(
    PublicKey me,
    List<ServerRecord> records,
    Map<String, ServiceRecord> services,
    ServerRecord.Capacity capacity,
    Set<String> myRewards,
    Set<String> operatorOffers,
    Map<String, Long> fetched,
    Map<String, String> unrunnable,
    Map<String, Held> held,
    Set<PublicKey> defaulted,
    long now) {

  public PlanInput {
    Objects.requireNonNull(me, "me");
    Objects.requireNonNull(capacity, "capacity");
    records = List.copyOf(records);
    services = Map.copyOf(services);
    myRewards = Set.copyOf(myRewards);
    operatorOffers = Set.copyOf(operatorOffers);
    fetched = Map.copyOf(fetched);
    unrunnable = Map.copyOf(unrunnable);
    held = Map.copyOf(held);
    defaulted = Set.copyOf(defaulted);
  }

  public static Builder builder(PublicKey me) {
    return new Builder(me);
  }

  /** A copy with other held services (the previous round's output) and other records. */
  public PlanInput next(Collection<ServerRecord> newRecords, Map<String, Held> newHeld) {
    return new PlanInput(me, List.copyOf(newRecords), services, capacity, myRewards, operatorOffers, fetched,
        unrunnable, newHeld, defaulted, now);
  }

  /** A copy in which {@code peers} are past their grace period. */
  public PlanInput withDefaulted(Set<PublicKey> peers) {
    return new PlanInput(me, records, services, capacity, myRewards, operatorOffers, fetched, unrunnable, held, peers,
        now);
  }

  /** Builds a {@link PlanInput}; everything but the key defaults to empty (capacity: the record's defaults). */
  public static final class Builder {
    private final PublicKey me;
    private List<ServerRecord> records = List.of();
    private final Map<String, ServiceRecord> services = new HashMap<>();
    private ServerRecord.Capacity capacity = ServerRecord.Capacity.defaults();
    private Set<String> myRewards = Set.of();
    private Set<String> operatorOffers = Set.of();
    private final Map<String, Long> fetched = new HashMap<>();
    private final Map<String, String> unrunnable = new HashMap<>();
    private Map<String, Held> held = Map.of();
    private final Set<PublicKey> defaulted = new HashSet<>();
    private long now;

    private Builder(PublicKey me) {
      this.me = me;
    }

    public Builder records(Collection<ServerRecord> v) { records = List.copyOf(v); return this; }
    public Builder services(Map<String, ServiceRecord> byId) { services.putAll(byId); return this; }
    public Builder capacity(ServerRecord.Capacity v) { capacity = v; return this; }

    public Builder services(Collection<ServiceRecord> v) {
      v.forEach(s -> services.put(s.serviceId(), s));
      return this;
    }

    public Builder capacity(int maxServices, int maxMemoryMb) {
      return capacity(new ServerRecord.Capacity(maxServices, maxMemoryMb));
    }
    public Builder myRewards(Collection<String> v) { myRewards = Set.copyOf(v); return this; }
    public Builder operatorOffers(Collection<String> v) { operatorOffers = Set.copyOf(v); return this; }
    public Builder fetched(Map<String, Long> v) { fetched.putAll(v); return this; }
    public Builder unrunnable(Map<String, String> v) { unrunnable.putAll(v); return this; }
    public Builder held(Map<String, Held> v) { held = Map.copyOf(v); return this; }
    public Builder defaulted(Collection<PublicKey> v) { defaulted.addAll(v); return this; }
    public Builder now(long v) { now = v; return this; }

    public PlanInput build() {
      return new PlanInput(me, records, services, capacity, myRewards, operatorOffers, fetched, unrunnable, held,
          defaulted, now);
    }
  }
}
