package dev.tandem.node.reciprocity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.node.hosting.ForwardingRunner;
import dev.tandem.node.hosting.HostedService;
import dev.tandem.node.hosting.Runner;
import dev.tandem.sandbox.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivered work, not declared offers: every {@link Settings#interval()} the node makes one real call of a service it
 * rewards to one server whose record offers it, and compares the signed answer with its own run of the same request.
 * A server that does not answer, or answers wrongly, gets no reciprocity credit for that offer until a later probe of
 * it succeeds ({@link #undelivered}); a wrong signed answer is also handed on as evidence, so it is re-run and its
 * signer convicted as any client's evidence would.
 *
 * <p><b>Which request.</b> Probes replay requests this node has run itself for that service (served, or re-run to
 * judge evidence): the last {@link #SAMPLES} per rewarded service, each with the hash of this node's own answer. A
 * service nobody has asked this node about yet is not probed, and its offers keep their declared credit.
 *
 * <p><b>Which server.</b> The (server, service) pair probed longest ago, never-probed pairs first, so with P pairs each
 * is probed every P intervals. Convicted and retired servers are skipped (they earn nothing anyway). Results live in
 * memory: after a restart every pair is probed again before any is probed twice.
 */
public final class DeliveryProbes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryProbes.class);

  /** Requests kept per service to replay. */
  public static final int SAMPLES = 8;
  /** The largest request kept to replay (its canonical form). */
  static final int MAX_SAMPLE_BYTES = 64 << 10;

  /** What a probe found. */
  public enum Result {
    /** The server signed the answer this node computed. */
    DELIVERED,
    /** No valid signed answer: refused, failed, timed out, an error, or an attestation that does not check out. */
    NO_ANSWER,
    /** A valid signature on a wrong answer (handed on as evidence). */
    WRONG;

    /** The name shown in reports ({@code delivered}, {@code no-answer}, {@code wrong}). */
    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * The latest probe of one server for one service.
   *
   * @param at milliseconds since the epoch
   * @param detail why, for anything but {@code DELIVERED}
   */
  public record Probe(PublicKey server, String service, long at, Result result, String detail) {
    /** This probe as JSON ({@code service, result, at, detail}). */
    public ObjectNode toJson() {
      ObjectNode o = Json.object();
      o.put("service", service);
      o.put("result", result.text());
      o.put("at", at);
      o.put("detail", detail);
      return o;
    }
  }

  /**
   * How often and how patiently the node probes.
   *
   * @param interval one probe per interval ({@link Duration#ZERO}: never)
   * @param timeout how long a probed server has to answer
   */
  public record Settings(Duration interval, Duration timeout) {
    public Settings {
      if (interval.isNegative()) {
        throw new IllegalArgumentException("probe interval must be positive, or zero to turn probes off");
      }
    }

    /** One probe a minute, 10 s to answer. */
    public static Settings defaults() {
      return new Settings(Duration.ofMinutes(1), Duration.ofSeconds(10));
    }
  }

  private record Sample(ServiceCall call, String responseHash) {}

  private record Pair(PublicKey server, String service) {}

  private final PublicKey me;
  private final Supplier<? extends Collection<ServerRecord>> servers;
  private final Supplier<Set<String>> rewards;
  private final Predicate<PublicKey> convicted;
  private final Transport transport;
  private final Consumer<Evidence> wrong;
  private final Settings settings;
  private volatile Runnable seeds = () -> {};
  private final Clock clock;
  private final Map<String, Deque<Sample>> samples = new ConcurrentHashMap<>();
  private final Map<Pair, Probe> latest = new ConcurrentHashMap<>();
  private final Map<String, Integer> replayed = new HashMap<>(); // guarded by this: which sample goes next
  private ScheduledExecutorService timer;

  /**
   * @param me this node's key (never probed)
   * @param servers the registry's current server records
   * @param rewards the services this node rewards now
   * @param convicted servers this node holds convicted (not probed)
   * @param transport how probe calls are sent
   * @param wrong takes the evidence of a wrong signed answer (the node's evidence handler re-runs and judges it)
   */
  public DeliveryProbes(PublicKey me, Supplier<? extends Collection<ServerRecord>> servers,
      Supplier<Set<String>> rewards, Predicate<PublicKey> convicted, Transport transport, Consumer<Evidence> wrong,
      Settings settings, Clock clock) {
    this.me = me;
    this.servers = servers;
    this.rewards = rewards;
    this.convicted = convicted;
    this.transport = transport;
    this.wrong = wrong;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * {@code inner} that also keeps, for the services this node rewards, the requests it ran and the hash of its own
   * answer: what probes replay. Wrap the node's own, honest runner (inside any injected fault).
   */
  public Runner sampling(Runner inner) {
    return new ForwardingRunner(inner) {
      @Override
      public Outcome run(HostedService service, ServiceCall call) {
        return keep(service.id(), call, inner.run(service, call));
      }

      @Override
      public Outcome rerun(ServiceRecord record, ServiceCall request) throws Exception {
        return keep(record.serviceId(), request, inner.rerun(record, request));
      }

      @Override
      public Rerun prepareRerun(ServiceRecord record, ServiceCall request) throws Exception {
        Rerun prepared = inner.prepareRerun(record, request);
        return () -> keep(record.serviceId(), request, prepared.run());
      }
    };
  }

  private Outcome keep(String service, ServiceCall call, Outcome outcome) {
    if (outcome instanceof Outcome.Deterministic det && call.canonical().length <= MAX_SAMPLE_BYTES
        && rewards.get().contains(service)) {
      Sample s = new Sample(call, Hashes.sha256Hex(det.responseJson()));
      Deque<Sample> q = samples.computeIfAbsent(service, k -> new ArrayDeque<>());
      synchronized (q) {
        q.removeIf(o -> o.call().requestHash().equals(call.requestHash()));
        q.addLast(s);
        while (q.size() > SAMPLES) {
          q.removeFirst();
        }
      }
    }
    return outcome;
  }

  /** Probes once every interval on a background thread, the first one interval from now (unless turned off). */
  public synchronized void start() {
    if (settings.interval().isZero() || timer != null) {
      return;
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-probes");
      t.setDaemon(true);
      return t;
    });
    long every = settings.interval().toMillis();
    timer.scheduleWithFixedDelay(() -> {
      try {
        seeds.run();
        probeOnce();
      } catch (RuntimeException e) {
        LOG.warn("delivery probe failed: {}", e.toString(), e);
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Seeds the requests of rewarded services nobody asked this node about before each probe ({@link ProbeSeeds}), by
   * re-running a call of a method no service has through {@code sampling} (this object's {@link #sampling} runner).
   */
  public void seedFrom(Function<String, Optional<ServiceRecord>> records, Runner sampling) {
    this.seeds = new ProbeSeeds(rewards, records, this::sampled, sampling);
  }

  /** Probes the pair probed longest ago that has a request to replay, now; empty when there is none. */
  public Optional<Probe> probeOnce() {
    Set<String> mine = rewards.get();
    Pair next = null;
    ServerRecord target = null;
    long oldest = Long.MAX_VALUE;
    List<ServerRecord> records = servers.get().stream().sorted(Comparator.comparing(r -> r.key().toString()))
        .toList();
    for (ServerRecord r : records) {
      if (r.key().equals(me) || r.retired() || convicted.test(r.key())) {
        continue;
      }
      for (String s : new java.util.TreeSet<>(r.offers())) {
        if (!mine.contains(s) || !samples.containsKey(s)) {
          continue;
        }
        Pair p = new Pair(r.key(), s);
        Probe last = latest.get(p);
        long at = last == null ? Long.MIN_VALUE : last.at();
        if (at < oldest) {
          oldest = at;
          next = p;
          target = r;
        }
      }
    }
    if (next == null) {
      return Optional.empty();
    }
    Probe probe = probe(target, next.service(), sample(next.service()));
    latest.put(next, probe);
    if (probe.result() != Result.DELIVERED) {
      LOG.info("probe of {} for {}: {} ({}); its offer earns no reciprocity credit until a probe succeeds",
          probe.server(), probe.service(), probe.result().text(), probe.detail());
    }
    return Optional.of(probe);
  }

  private synchronized Sample sample(String service) {
    Deque<Sample> q = samples.get(service);
    synchronized (q) {
      List<Sample> list = List.copyOf(q);
      int i = replayed.merge(service, 1, Integer::sum);
      return list.get(Math.floorMod(i, list.size()));
    }
  }

  private Probe probe(ServerRecord server, String service, Sample sample) {
    long at = clock.millis();
    ObjectNode body = Json.object();
    body.put("jsonrpc", "2.0");
    body.put("id", 1);
    body.put("method", sample.call().method());
    body.set("params", sample.call().params());
    JsonNode answer;
    try {
      Transport.Reply reply = transport.post(NodeUrls.service(server.url(), service),
          body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), settings.timeout())
          .get(settings.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
      answer = Json.parse(reply.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(server.key(), service, at, Result.NO_ANSWER, "interrupted");
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
          ? e.getCause() : e;
      return new Probe(server.key(), service, at, Result.NO_ANSWER, "no answer: " + cause);
    }
    // A service's own error (a method it does not have, say) is an answer too, signed like a result; a node's error
    // (overloaded, not offered) is not signed, and is no answer.
    boolean signedError = answer.has("error") && answer.has("tandem");
    if ((answer.has("error") && !signedError) || (!answer.has("error") && !answer.has("result"))) {
      return new Probe(server.key(), service, at, Result.NO_ANSWER, "answered with an error: "
          + answer.path("error").path("message").asText("no result"));
    }
    ObjectNode response = Json.object();
    response.set(signedError ? "error" : "result", answer.get(signedError ? "error" : "result"));
    Attestation att;
    String hash;
    try {
      att = Attestation.fromJson(answer.get("tandem"));
      hash = ServiceCall.responseHash(response);
    } catch (RuntimeException | dev.tandem.core.json.JsonFormatException e) {
      return new Probe(server.key(), service, at, Result.NO_ANSWER, "unsigned or malformed answer: " + e);
    }
    if (!att.verifies() || !att.server().equals(server.key()) || !att.service().equals(service)
        || !att.requestHash().equals(sample.call().requestHash()) || !att.responseHash().equals(hash)) {
      return new Probe(server.key(), service, at, Result.NO_ANSWER, "the attestation does not check out");
    }
    if (hash.equals(sample.responseHash())) {
      return new Probe(server.key(), service, at, Result.DELIVERED, "");
    }
    try {
      wrong.accept(Evidence.of(service, sample.call(), Map.of(att, response)));
    } catch (RuntimeException e) {
      LOG.warn("evidence of {}'s wrong answer for {} not taken: {}", server.key(), service, e.getMessage());
    }
    return new Probe(server.key(), service, at, Result.WRONG, "signed response " + hash.substring(0, 12)
        + " but this node's run gives " + sample.responseHash().substring(0, 12));
  }

  /**
   * Whether the offer is not (yet) shown delivered: its latest probe failed, or it was never probed though this node
   * has requests of the service to probe it with. Declaring an offer costs nothing, and a stranger with many keys
   * could otherwise collect credit with records alone until each was probed in turn, a minute apiece. An offer of a
   * service this node has no request of cannot be checked, and keeps its declared credit.
   */
  public boolean undelivered(PublicKey server, String service) {
    Probe p = latest.get(new Pair(server, service));
    if (p == null) {
      var q = samples.get(service);
      if (q == null || settings.interval().isZero() || !rewards.get().contains(service)) {
        return false; // it will not be probed
      }
      synchronized (q) {
        return !q.isEmpty();
      }
    }
    return p.result() != Result.DELIVERED;
  }

  /** The latest probe of each service {@code server} was probed for, by service id. */
  public Map<String, Probe> of(PublicKey server) {
    Map<String, Probe> out = new TreeMap<>();
    latest.forEach((p, probe) -> {
      if (p.server().equals(server)) {
        out.put(p.service(), probe);
      }
    });
    return out;
  }

  /** The services with requests to replay, and how many each. */
  public Map<String, Integer> sampled() {
    Map<String, Integer> out = new TreeMap<>();
    samples.forEach((s, q) -> {
      synchronized (q) {
        out.put(s, q.size());
      }
    });
    return out;
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
