package dev.tandem.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.api.NodeRpc;
import dev.tandem.node.reciprocity.Reciprocity;
import dev.tandem.registry.Registry;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The operator's RPC methods ({@code tandem_offer}, {@code tandem_withdraw}, {@code tandem_reward}, behind the admin
 * token): they change what the node offers and rewards, save the configuration, and answer with the node's status.
 * Holds the node's current configuration, which only these methods change.
 */
final class NodeAdmin {
  private final AtomicReference<NodeConfig> config;
  private final Registry registry;
  private final Reciprocity reciprocity;
  private final Runnable publish;
  private final Supplier<JsonNode> status;

  NodeAdmin(AtomicReference<NodeConfig> config, Registry registry, Reciprocity reciprocity, Runnable publish,
      Supplier<JsonNode> status) {
    this.config = config;
    this.registry = registry;
    this.reciprocity = reciprocity;
    this.publish = publish;
    this.status = status;
  }

  /** The configuration as the operator last changed it. */
  NodeConfig config() {
    return config.get();
  }

  /** Adds the admin methods to {@code rpc}. */
  void register(NodeRpc rpc) {
    rpc.admin("tandem_offer", p -> changeOffers(p, true))
        .admin("tandem_withdraw", p -> changeOffers(p, false))
        .admin("tandem_reward", this::changeRewards);
  }

  private JsonNode changeOffers(JsonNode params, boolean add) throws IOException {
    String id = serviceParam(params);
    NodeConfig config = this.config.get();
    Set<String> offers = new LinkedHashSet<>(config.offers());
    if (add) {
      if (!offers.contains(id) && offers.size() >= config.maxServices()) {
        throw new IllegalArgumentException("capacity: this node already offers " + offers.size()
            + " services (--max-services " + config.maxServices() + ")");
      }
      offers.add(id);
    } else {
      offers.remove(id);
    }
    NodeConfig before = config;
    config = config.withOffers(offers);
    this.config.set(config);
    // The operator's offers plus what the planner holds for peers. Before saving: a new service starts being prepared
    // at once instead of after a synced write, which can take a long while on a busy disk.
    reciprocity.round();
    try {
      config.save();
    } catch (IOException e) { // not saved: not changed
      this.config.set(before);
      reciprocity.round();
      throw e;
    }
    return status.get();
  }

  private JsonNode changeRewards(JsonNode params) throws IOException {
    String id = serviceParam(params);
    boolean remove = params.path("remove").asBoolean(false);
    NodeConfig config = this.config.get();
    Set<String> rewards = new LinkedHashSet<>(config.rewards());
    if (remove) {
      rewards.remove(id);
    } else {
      rewards.add(id);
    }
    config = config.withRewards(rewards);
    config.save();
    this.config.set(config);
    publish.run();
    reciprocity.poke();
    return status.get();
  }

  /** The {@code service} param: an id, a NAME one owner uses, or OWNER/NAME ({@link ServiceNames}). */
  private String serviceParam(JsonNode params) {
    String ref = params.path("service").asText("");
    if (ref.isEmpty()) {
      throw new IllegalArgumentException("service: a service id or name is required");
    }
    try {
      return Cid.parse(ref).toString();
    } catch (IllegalArgumentException notAnId) {
      return ServiceNames.resolve(ref, registry.services()).map(ServiceRecord::serviceId)
          .orElseThrow(() -> new IllegalArgumentException("service: no service with id or name '" + ref
              + "' is known here"));
    }
  }
}
