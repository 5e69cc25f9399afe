package dev.tandem.node.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.CallInputs;
import dev.tandem.node.modules.ModuleFetcher;
import dev.tandem.registry.Registry;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Inputs;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.ModuleShape;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the services a node is told to offer into services it can run: finds each record, fetches the module (hash
 * checked), validates and compiles it, and only then marks it ready. Only ready services are advertised, so the node
 * never offers what it cannot run. Preparation runs in the background and is retried when the registry changes.
 */
public final class Hosting implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hosting.class);

  /** Where a wanted service stands. */
  public sealed interface State {
    record Waiting(String why) implements State {}
    record Ready(HostedService service) implements State {}
    record Failed(String why) implements State {}
  }

  private final Registry registry;
  /** Whether an address from a record may be contacted (the node's peer policy). */
  private final java.util.function.Predicate<URI> contactable;
  private final Sandbox sandbox;
  private final ModuleFetcher fetcher;
  private final Supplier<List<URI>> sources;
  private final ToDoubleFunction<PublicKey> trust;
  private final int maxConcurrent;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, Preparation> preparations = new ConcurrentHashMap<>();
  private final Unfit unfit = new Unfit();
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "tandem-hosting");
    t.setDaemon(true);
    return t;
  });
  private volatile Set<String> wanted = Set.of();
  private volatile InputFetches inputFetches;
  private volatile StrangerModules strangers;
  private volatile ModuleMemory moduleMemory = ModuleMemory.ofMegabytes(0);
  private volatile Runnable onChange = () -> {};
  private volatile Supplier<Optional<dev.tandem.sandbox.oci.OciRuntime>> ociSource = Optional::empty;
  private volatile dev.tandem.sandbox.oci.OciRuntime oci;
  private volatile boolean ociResolved;

  /**
   * @param sources the node base URLs to fetch modules from besides a service's home and its other servers
   * @param trust   how much this node trusts a server ({@code Scores.weight}): the servers offering a service are
   *                asked for its module most trusted first, and never when 0 (blacklisted)
   */
  public Hosting(Registry registry, Sandbox sandbox, ModuleFetcher fetcher, Supplier<List<URI>> sources,
      java.util.function.Predicate<URI> contactable, ToDoubleFunction<PublicKey> trust, int maxConcurrent) {
    this.contactable = contactable;
    this.trust = trust;
    this.registry = registry;
    this.sandbox = sandbox;
    this.fetcher = fetcher;
    this.sources = sources;
    this.maxConcurrent = maxConcurrent;
    this.inputFetches = new InputFetches(fetcher, 16, java.time.Duration.ofSeconds(10));
    this.strangers = new StrangerModules(fetcher, CallMemory.ofMegabytes(0));
  }

  /** Lets this node run OCI services with {@code runtime}; without one, they are never offered. */
  public void useOci(Supplier<Optional<dev.tandem.sandbox.oci.OciRuntime>> runtime) {
    this.ociSource = runtime;
  }

  /** The node's OCI runtime, if it has podman; looked for on first use, so nodes that run no image never ask. */
  public Optional<dev.tandem.sandbox.oci.OciRuntime> oci() {
    if (!ociResolved) {
      synchronized (this) {
        if (!ociResolved) {
          oci = ociSource.get().orElse(null);
          ociResolved = true;
        }
      }
    }
    return Optional.ofNullable(oci);
  }

  /** Called (on the hosting thread) whenever the set of ready services changes. */
  public void onChange(Runnable listener) {
    this.onChange = listener;
  }

  /** Sets what the node should offer and starts preparing what is not ready. */
  public synchronized void want(Set<String> serviceIds) {
    wanted = Set.copyOf(serviceIds);
    boolean dropped = states.keySet().removeIf(id -> !wanted.contains(id));
    moduleMemory.keepOnly(wanted);
    if (oci != null) {
      for (String id : oci.running()) {
        if (!wanted.contains(id)) {
          worker.execute(() -> oci.stop(id)); // withdrawn: its container goes too
        }
      }
    }
    for (String id : wanted) {
      states.putIfAbsent(id, unfit.why(id).<State>map(State.Failed::new).orElseGet(() -> new State.Waiting("queued")));
    }
    if (dropped) {
      worker.execute(() -> onChange.run());
    }
    retry();
  }

  /** Tries again every service that is not ready (e.g. after a record arrived by gossip). */
  public void retry() {
    for (String id : wanted) {
      if (!(states.get(id) instanceof State.Ready) && unfit.why(id).isEmpty() && inFlight.add(id)) {
        long queued = System.nanoTime();
        worker.execute(() -> {
          try {
            prepare(id, queued);
          } finally {
            inFlight.remove(id);
          }
        });
      }
    }
  }

  public Set<String> wanted() {
    return wanted;
  }

  /** The service if it is ready to run here. */
  public Optional<HostedService> ready(String serviceId) {
    return states.get(serviceId) instanceof State.Ready r ? Optional.of(r.service()) : Optional.empty();
  }

  /** Ids of the services ready to run, sorted. */
  public List<String> readyIds() {
    return states.entrySet().stream().filter(e -> e.getValue() instanceof State.Ready).map(Map.Entry::getKey)
        .sorted().toList();
  }

  /** Every wanted service and where it stands, sorted by id. */
  public Map<String, State> states() {
    return new TreeMap<>(states);
  }

  /** How preparing the service went the last time it became ready here. */
  public Optional<Preparation> preparation(String serviceId) {
    return Optional.ofNullable(preparations.get(serviceId));
  }

  private void prepare(String id, long queued) {
    long started = System.nanoTime();
    if (!wanted.contains(id)) {
      return;
    }
    Optional<ServiceRecord> record = registry.service(id);
    if (record.isEmpty()) {
      states.put(id, new State.Waiting("service record not known yet"));
      return;
    }
    ServiceRecord rec = record.get();
    if (rec.isOci()) {
      prepareOci(id, rec);
      return;
    }
    try {
      Cid cid = rec.module();
      ModuleFetcher.Fetched fetched = fetcher.fetchUnstored(cid, fetchSources(rec));
      byte[] wasm = fetched.bytes();
      long fetchedAt = System.nanoTime();
      long heap = ModuleShape.of(wasm).loadHeapBytes();
      String tooLarge = moduleMemory.reserve(id, heap);
      if (tooLarge != null) {
        failed(id, tooLarge, !moduleMemory.couldEverHold(heap));
        return;
      }
      ServiceModule module = sandbox.load(cid.toString(), wasm, Abi.parse(rec.abi())).withName(rec.name());
      long loaded = System.nanoTime();
      MeteredCheck metered = MeteredCheck.of(rec, wasm);
      if (metered.mismatch() != null) {
        failed(id, metered.mismatch(), true);
        LOG.warn("service {} ({}) cannot be offered: {}", rec.name(), id, metered.mismatch());
        return;
      }
      if (metered.bytes() != null) { // served by the time the service is: browsers fetch it to check answers
        fetcher.keep(metered.cid(), metered.bytes());
      }
      if (!wanted.contains(id)) {
        return;
      }
      states.put(id, new State.Ready(HostedService.of(id, rec, module, maxConcurrent)));
      String tier = module.tier();
      preparations.put(id, new Preparation(queued, started, fetchedAt, loaded, System.nanoTime(), 0, 0,
          fetched.overNetwork(), wasm.length, module.loadTimes(), tier));
      LOG.info("service {} ({}) ready: module {} ({} bytes)", rec.name(), id, cid, wasm.length);
      if ("interpreter".equals(tier)) {
        module.settled().thenRun(() -> preparations.computeIfPresent(id, (k, p) -> p.withCompiled(System.nanoTime())));
      }
      // Stored once it answers here (a dozen synced files are not on the way to its first answer), and before it is
      // advertised, so the nodes that learn of it can fetch the module from it.
      try {
        fetcher.store(fetched);
      } catch (IOException e) {
        LOG.warn("service {} ({}) runs, but its module could not be stored: {}", rec.name(), id, e.toString());
      }
      Preparation p = preparations.computeIfPresent(id, (k, v) -> v.withStored(System.nanoTime()));
      LOG.debug("service {} ({}) prepared: {}", rec.name(), id, p);
      onChange.run();
    } catch (ModuleRejectedException e) {
      failed(id, "module rejected: " + e.getMessage(), true);
      LOG.warn("service {} ({}) cannot be offered: module rejected: {}", rec.name(), id, e.getMessage());
    } catch (Exception e) {
      states.put(id, new State.Waiting("module not fetched: " + e.getMessage()));
      LOG.info("service {} ({}) waiting: {}", rec.name(), id, e.getMessage());
    } finally {
      if (!(states.get(id) instanceof State.Ready)) {
        moduleMemory.release(id);
      }
    }
  }

  /** Marks {@code id} failed; when the reason {@code lasts}, remembers it (see {@link Unfit}). */
  private void failed(String id, String why, boolean lasts) {
    states.put(id, new State.Failed(why));
    if (lasts) {
      unfit.remember(id, why);
    }
  }

  /** The services that cannot run here for a lasting reason, wanted or not, with why. */
  public Map<String, String> unfit() {
    return unfit.all();
  }

  /** An OCI service is ready once its image is pulled by digest and its container answers. */
  private void prepareOci(String id, ServiceRecord rec) {
    var runtime = oci().orElse(null);
    if (runtime == null) {
      states.put(id, new State.Failed("an OCI service, and this node runs no containers (podman not found or --oci off)"));
      return;
    }
    try {
      runtime.ensure(rec);
      if (!wanted.contains(id)) {
        runtime.stop(id);
        return;
      }
      states.put(id, new State.Ready(HostedService.of(id, rec, null, maxConcurrent)));
      onChange.run();
    } catch (IOException | RuntimeException e) {
      states.put(id, new State.Waiting("container not started: " + e.getMessage()));
      LOG.info("service {} ({}) waiting: {}", rec.name(), id, e.getMessage());
    }
  }

  /**
   * The compiled module of any service, offered here or not (evidence is checked by re-running it): from the store
   * or fetched, hash-checked and validated. The sandbox caches compiled modules by CID.
   */
  public ServiceModule moduleFor(ServiceRecord rec) throws IOException, ModuleRejectedException {
    return moduleFor(rec, sandbox);
  }

  /**
   * As {@link #moduleFor(ServiceRecord)}, for evidence: the module of a service offered here, or else one loaded as
   * a stranger's ({@link StrangerModules}: any key can register services and name them in evidence).
   */
  public ServiceModule moduleForEvidence(ServiceRecord rec) throws IOException, ModuleRejectedException {
    for (State s : states.values()) {
      if (s instanceof State.Ready r && r.service().record().module().equals(rec.module())
          && r.service().record().abi().equals(rec.abi()) && !rec.isOci()) {
        return r.service().module().withName(rec.name());
      }
    }
    return strangers.module(rec, () -> fetchSources(rec));
  }

  /** The modules of offered services take at most {@code megabytes} of heap together (0: a quarter of the heap). */
  public void keepModulesWithin(long megabytes) {
    moduleMemory = ModuleMemory.ofMegabytes(megabytes);
    unfit.forgetAll();
  }

  /** Strangers' modules are loaded within {@code memory}, the budget calls share (half the heap until this is set). */
  public void loadStrangersWithin(CallMemory memory) {
    StrangerModules old = strangers;
    strangers = new StrangerModules(fetcher, memory);
    old.close();
  }

  /** The same, compiled by another sandbox (a second engine checking this node's answers). */
  public ServiceModule moduleFor(ServiceRecord rec, Sandbox on) throws IOException, ModuleRejectedException {
    Cid cid = rec.module();
    byte[] wasm = fetcher.fetch(cid, fetchSources(rec));
    return on.load(cid.toString(), wasm, Abi.parse(rec.abi())).withName(rec.name());
  }

  /**
   * The inputs a call of {@code rec} names by CID in {@code params} ({@link CallInputs}), from this node's blocks
   * or fetched from the service's servers, the other known nodes and the IPFS gateways, every block checked; all
   * together at most the record's {@code limits.maxInputBytes}. Fetching happens before the call: it is not fuel.
   *
   * @throws IllegalArgumentException for a malformed link or inputs over the limit (the caller's mistake)
   * @throws IOException when an input cannot be fetched in time, or when no fetch slot is free ({@link #isBusy})
   */
  public Inputs inputs(ServiceRecord rec, JsonNode params) throws IOException {
    List<Cid> links = CallInputs.links(params);
    if (links.isEmpty()) {
      return Inputs.NONE;
    }
    return inputFetches.fetch(rec.limits().maxInputBytes(), links, () -> fetchSources(rec));
  }

  /**
   * Bounds the fetching of calls' inputs: at most {@code slots} calls fetch at once (more are refused with
   * {@link #isBusy}), each within {@code time} plus the download time of what its service allows.
   */
  public void boundInputs(int slots, java.time.Duration time) {
    this.inputFetches = new InputFetches(fetcher, slots, time);
  }

  /** Whether {@link #inputs} failed because this node fetches as many calls' inputs as it allows. */
  public static boolean isBusy(IOException e) {
    return e instanceof InputFetches.BusyException;
  }

  /**
   * The service's home, the servers offering it by trust, then every other known source; never a blacklisted server,
   * no duplicates. Sources are asked in turn and one that trickles its answer holds the fetch until its download
   * time is up; anyone can register a server offering the service, so the trusted come first, not the keys that
   * sort first (keys can be ground).
   */
  List<URI> fetchSources(ServiceRecord rec) {
    Set<URI> out = new LinkedHashSet<>();
    if (rec.home() != null && contactable.test(rec.home())) {
      out.add(rec.home());
    }
    List<ServerRecord> offering = new ArrayList<>(registry.serversOffering(rec.serviceId()));
    // Shuffled first, so servers of equal trust (every new one) come in no order an attacker can choose by key.
    Collections.shuffle(offering, ThreadLocalRandom.current());
    offering.stream().filter(s -> contactable.test(s.url()) && trust.applyAsDouble(s.key()) > 0)
        .sorted(Comparator.comparingDouble((ServerRecord s) -> -trust.applyAsDouble(s.key())))
        .forEach(s -> out.add(s.url()));
    Set<URI> blacklisted = new HashSet<>();
    registry.servers().forEach(s -> {
      if (trust.applyAsDouble(s.key()) <= 0) {
        blacklisted.add(s.url());
      }
    });
    sources.get().stream().filter(u -> !blacklisted.contains(u)).forEach(out::add);
    return new ArrayList<>(out);
  }

  @Override
  public void close() {
    worker.shutdownNow();
    strangers.close();
    if (oci != null) {
      oci.close();
    }
  }
}
