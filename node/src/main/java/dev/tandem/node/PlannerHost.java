package dev.tandem.node;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.modules.ModuleStore;
import dev.tandem.node.reciprocity.Reciprocity;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

/** What the reciprocity planner needs from the node: its operator's choices, its capacity, and its hosting. */
final class PlannerHost implements Reciprocity.Host {
  private final Supplier<NodeConfig> config;
  private final ModuleStore modules;
  private final Hosting hosting;

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
  public OptionalLong moduleSize(Cid module) {
    return modules.size(module);
  }

  @Override
  public Map<String, String> unrunnable() {
    Map<String, String> out = new HashMap<>();
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
