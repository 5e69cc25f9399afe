package dev.tandem.node.reciprocity;

import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.hosting.Runner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the delivery probes a request for each rewarded service nobody has asked this node about: a call of a method no
 * service has ({@value #METHOD}), re-run here. Its answer, whatever the module makes of the name (an error, a trap),
 * is deterministic, so a server that signs the same answer runs the module, and one that signs another is wrong.
 * Without a request an offer cannot be probed and keeps its declared credit, which a stranger's records would collect
 * for free. One service is tried per probe, before it; the re-run fetches the module like evidence does (bounded).
 * Services take turns, so one whose module nobody serves does not keep the others from ever being seeded.
 */
final class ProbeSeeds implements Runnable {
  /** The method of a seeded request: no service has it. */
  static final String METHOD = "tandem.probe";
  private static final Logger LOG = LoggerFactory.getLogger(ProbeSeeds.class);

  private final Supplier<Set<String>> rewards;
  private final Function<String, Optional<ServiceRecord>> records;
  private final Supplier<Map<String, Integer>> sampled;
  private final Runner sampling;
  /** The service tried last: the next probe begins after it. */
  private String last = "";

  /**
   * @param sampling the probes' own sampling runner ({@link DeliveryProbes#sampling}): its re-run keeps the request
   */
  ProbeSeeds(Supplier<Set<String>> rewards, Function<String, Optional<ServiceRecord>> records,
      Supplier<Map<String, Integer>> sampled, Runner sampling) {
    this.rewards = rewards;
    this.records = records;
    this.sampled = sampled;
    this.sampling = sampling;
  }

  @Override
  public void run() {
    Map<String, Integer> have = sampled.get();
    TreeSet<String> rewarded = new TreeSet<>(rewards.get());
    List<String> turns = new ArrayList<>(rewarded.tailSet(last, false));
    turns.addAll(rewarded.headSet(last, true));
    for (String service : turns) {
      if (have.containsKey(service)) {
        continue;
      }
      Optional<ServiceRecord> record = records.apply(service);
      if (record.isEmpty() || record.get().isOci()) {
        continue; // unknown yet; an image is pulled, not fetched for a probe
      }
      last = service;
      try {
        sampling.prepareRerun(record.get(), ServiceCall.of(METHOD, Json.object())).run();
      } catch (Exception e) {
        LOG.debug("no probe request for {} yet: {}", service, e.toString());
      }
      return; // one a probe: each may fetch a module
    }
  }
}
