package dev.tandem.node;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.modules.ModuleStore;
import dev.tandem.node.reciprocity.Reciprocity;
import dev.tandem.sandbox.ModuleShape;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

/** What the reciprocity planner needs from the node: its operator's choices, its capacity, and its hosting. */
final class PlannerHost implements Reciprocity.Host {
  private final Supplier<NodeConfig> config;
  private final ModuleStore modules;
  private final Hosting hosting;
  /** Modules' weights by CID, read once: the planner asks every round. */
  private final Map<String, Long> weights = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > 4096;
    }
  };

  PlannerHost(Supplier<NodeConfig> config, ModuleStore modules, Hosting hosting) {
    this.config = config;
    this.modules = modules;
    this.hosting = hosting;
  }

  @Override
  public Set<String> operatorOffers() {
    return config.get().offers();
  }

  @Override
  public Set<String> rewards() {
    return config.get().rewards();
  }

  @Override
  public ServerRecord.Capacity capacity() {
    return new ServerRecord.Capacity(config.get().maxServices(), config.get().maxMemoryMb());
  }

  @Override
  public OptionalLong moduleWeight(Cid module) {
    String key = module.toString();
    synchronized (weights) {
      Long known = weights.get(key);
      if (known != null) {
        return OptionalLong.of(known);
      }
    }
    byte[] wasm;
    try {
      wasm = modules.get(module).orElse(null);
    } catch (IOException e) {
      wasm = null;
    }
    if (wasm == null) {
      return OptionalLong.empty();
    }
    long weight = ModuleShape.of(wasm).loadHeapBytes();
    synchronized (weights) {
      weights.put(key, weight); // a CID's bytes never change
    }
    return OptionalLong.of(weight);
  }

  @Override
  public Map<String, String> unrunnable() {
    Map<String, String> out = new HashMap<>(hosting.unfit());
    hosting.states().forEach((id, st) -> {
      if (st instanceof Hosting.State.Failed f) {
        out.put(id, f.why());
      }
    });
    return out;
  }

  @Override
  public void offer(Set<String> serviceIds) {
    hosting.want(serviceIds);
  }
}
