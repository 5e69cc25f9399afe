package dev.tandem.client.referee;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.CallInputs;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Inputs;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.ModuleShape;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import dev.tandem.sandbox.oci.OciRuntime;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The client's own judge: every service is a deterministic module named by its CID, so the client can fetch it
 * ({@link ModuleCache}, hash-checked) and run a disputed request itself, in its own sandbox, with the record's
 * limits, with the inputs the request names by CID fetched and checked as nodes fetch them. Its result is the truth for this client: it needs no home server and no majority, and every signer of
 * another answer is wrong. Results are cached per request, so re-judging the same dispute (an audit, an evidence
 * feed) costs nothing.
 *
 * <p>An OCI service is re-run the same way where this client can run containers: its image is pulled by digest and
 * checked, and run with the isolation and limits nodes use ({@link OciRuntime}). Where it cannot, the referee
 * declines and the conflict goes to the home server and more servers.
 *
 * <p>Thread-safe.
 */
public final class Referee {
  /** Distinct requests whose re-run result is kept. */
  static final int CACHE_ENTRIES = 4096;
  static final int LOADED_MODULES = 32;
  /** Shortest timeout a re-run gets: a client machine may be slower than the servers the limits were set for. */
  static final Duration MIN_TIMEOUT = Duration.ofSeconds(5);

  /** What a re-run gave. */
  public sealed interface Rerun {
    /**
     * The request ran to a deterministic end.
     *
     * @param responseHash the hash of the canonical response, as servers attest it
     * @param response     {@code {"result":…}} or {@code {"error":…}}
     * @param fuel         the fuel it used
     */
    record Done(String responseHash, ObjectNode response, long fuel) implements Rerun {}

    /** The referee could not decide: the module cannot be had, is rejected, or the run was not deterministic. */
    record Failed(String reason) implements Rerun {}
  }

  private final Supplier<Sandbox> sandbox;
  private final ModuleCache modules;
  private final Supplier<Optional<OciRuntime>> containers;
  /** Compiled modules, the least recently used dropped past {@link #LOADED_MODULES} (any key can register one). */
  private final Map<String, ServiceModule> loaded = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ServiceModule> eldest) {
      return size() > LOADED_MODULES;
    }
  };
  private final Map<String, Rerun.Done> results = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Rerun.Done> eldest) {
      return size() > CACHE_ENTRIES;
    }
  };
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong fuel = new AtomicLong();

  /** A referee that runs WebAssembly services only. */
  public Referee(Supplier<Sandbox> sandbox, ModuleCache modules) {
    this(sandbox, modules, Optional::empty);
  }

  /**
   * @param containers where OCI services are re-run, asked for on the first OCI dispute; empty where this client
   *                   runs no containers
   */
  public Referee(Supplier<Sandbox> sandbox, ModuleCache modules, Supplier<Optional<OciRuntime>> containers) {
    this.sandbox = sandbox;
    this.modules = modules;
    this.containers = containers;
  }

  /** The sandbox limits a re-run of {@code service} gets: the record's, with a timeout of at least 5 s. */
  public static Limits limits(ServiceLimits l) {
    return Limits.builder().fuel(l.fuel()).memoryPages(l.memoryPages()).maxRequestBytes(l.maxRequestBytes())
        .maxResponseBytes(l.maxResponseBytes())
        .timeout(Duration.ofMillis(Math.max(l.timeoutMs(), MIN_TIMEOUT.toMillis()))).build();
  }

  /** The record's limits for a container re-run: the same, with a timeout of at least 5 s. */
  static ServiceLimits ociLimits(ServiceLimits l) {
    return new ServiceLimits(l.fuel(), l.memoryPages(), l.maxRequestBytes(), l.maxResponseBytes(),
        (int) Math.max(l.timeoutMs(), MIN_TIMEOUT.toMillis()), l.maxInputBytes());
  }

  /**
   * Runs {@code call} of {@code service} here (or returns the cached result of an earlier run).
   *
   * @param nodes where the module may be fetched from when it is not cached (asked for only then)
   */
  public Rerun rerun(ServiceRecord service, String serviceId, ServiceCall call, Supplier<List<URI>> nodes) {
    String key = serviceId + " " + call.requestHash();
    synchronized (results) {
      Rerun.Done done = results.get(key);
      if (done != null) {
        return done;
      }
    }
    Outcome outcome;
    if (service.isOci()) {
      Optional<OciRuntime> runtime = containers.get();
      if (runtime.isEmpty()) {
        return new Rerun.Failed("service " + service.name() + " runs a container image and this client runs no "
            + "containers (podman not found, or turned off)");
      }
      outcome = runtime.get().call(service, call.canonical(), ociLimits(service.limits()));
    } else {
      ServiceModule module;
      try {
        module = module(service, nodes);
      } catch (IOException | ModuleRejectedException | IllegalArgumentException e) {
        return new Rerun.Failed("cannot run module " + service.module() + " here: " + e.getMessage());
      }
      Inputs inputs;
      try {
        inputs = inputs(service, call, nodes);
      } catch (IOException | IllegalArgumentException e) {
        return new Rerun.Failed("cannot fetch the request's inputs by CID: " + e.getMessage());
      }
      outcome = sandbox.get().call(module, call.canonical(), limits(service.limits()), inputs);
    }
    runs.incrementAndGet();
    if (!(outcome instanceof Outcome.Deterministic det)) {
      return new Rerun.Failed("the re-run here was not deterministic: " + outcome.label());
    }
    fuel.addAndGet(det.fuel());
    byte[] json = det.responseJson();
    Rerun.Done done;
    try {
      done = new Rerun.Done(Hashes.sha256Hex(json), (ObjectNode) Json.parse(json), det.fuel());
    } catch (JsonFormatException e) {
      return new Rerun.Failed("the re-run's response is not JSON: " + e.getMessage()); // the sandbox encodes it
    }
    synchronized (results) {
      results.put(key, done);
    }
    return done;
  }

  /**
   * Whether loading the module of {@code service} would weigh more than {@code maxLoadWeight}
   * ({@link ModuleShape#loadWeight}): false when it is loaded here already, or cannot be had (a re-run then says why).
   * Fetching it to look keeps its bytes for the re-run.
   */
  public boolean tooHeavy(ServiceRecord service, Supplier<List<URI>> nodes, long maxLoadWeight) {
    if (service.isOci()) {
      return false;
    }
    synchronized (loaded) {
      if (loaded.containsKey(service.module().toString())) {
        return false;
      }
    }
    try {
      return ModuleShape.of(modules.get(service.module(), nodes.get())).loadWeight() > maxLoadWeight;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private ServiceModule module(ServiceRecord service, Supplier<List<URI>> nodes)
      throws IOException, ModuleRejectedException {
    String cid = service.module().toString();
    synchronized (loaded) {
      ServiceModule m = loaded.get(cid);
      if (m != null) {
        return m;
      }
    }
    byte[] wasm = modules.get(service.module(), nodes.get());
    ServiceModule m = sandbox.get().load(cid, wasm, Abi.parse(service.abi())).withName(service.name());
    synchronized (loaded) {
      loaded.put(cid, m);
    }
    return m;
  }

  /**
   * The inputs the request names by CID ({@link CallInputs}), fetched from the nodes as nodes fetch them (every block
   * checked against its CID), all together at most the record's {@code limits.maxInputBytes}: the same bytes every
   * honest node gave the module.
   */
  private Inputs inputs(ServiceRecord service, ServiceCall call, Supplier<List<URI>> nodes) throws IOException {
    List<Cid> links = CallInputs.links(call.params());
    if (links.isEmpty()) {
      return Inputs.NONE;
    }
    long budget = service.limits().maxInputBytes();
    List<URI> sources = nodes.get();
    List<byte[]> inputs = new ArrayList<>();
    for (Cid cid : links) {
      byte[] input = modules.data(cid, sources, budget);
      budget -= input.length;
      inputs.add(input);
    }
    return Inputs.of(inputs);
  }

  /** Requests actually run here so far (cached answers not counted). */
  public long runs() {
    return runs.get();
  }

  /** Fuel those runs used. */
  public long fuelUsed() {
    return fuel.get();
  }
}
