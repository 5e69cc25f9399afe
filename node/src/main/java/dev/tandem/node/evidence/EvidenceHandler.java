package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.EvidenceReport;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Judgement;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.observe.Activity;
import dev.tandem.node.hosting.Runner;
import dev.tandem.node.hosting.WaitTime;
import dev.tandem.node.store.EvidenceTable;
import dev.tandem.node.store.NodeDb;
import dev.tandem.registry.Registry;
import dev.tandem.sandbox.Outcome;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem_submitEvidence}: checks evidence without trusting whoever sent it. Signatures and hashes are
 * checked first (evidence that fails is dropped, and a signed reporter is penalized); then the node re-runs the
 * request in its own sandbox and convicts every signer whose attested response differs from its own result. New
 * evidence is forwarded once to the nodes this node knows, signed by this node as reporter. Evidence pulled from
 * peers ({@link #receivePulled}, see {@link EvidenceSync}) goes the same way but is not forwarded.
 *
 * <p>Strangers' evidence meets the {@link EvidenceIntake} first: a size limit, quotas per caller address and reporter
 * key charged before the re-run, and for evidence that cannot be judged yet (its service record has not arrived, or
 * the re-run failed) a bounded queue in memory, retried in the background. Only judged evidence is stored.
 *
 * <p>Wire form: {@link EvidenceReport} in, {@link Judgement} out.
 */
public final class EvidenceHandler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceHandler.class);

  private final KeyPair key;
  private final Registry registry;
  private final Runner runner;
  private final Scores scores;
  private final Activity activity;
  private final EvidenceTable stored;
  private final Supplier<List<URI>> forwardTo;
  private final JsonRpcClient forwarder;
  private final Semaphore reruns = new Semaphore(2);
  private final Consumer<Attestation> upheldWork;
  private final EvidenceIntake intake;
  private final Clock clock;
  private ScheduledExecutorService retries;
  private volatile java.util.concurrent.Executor forwarding = Runnable::run;

  /**
   * A handler; evidence that cannot be judged yet is retried once {@link #start} was called.
   *
   * @param runner re-runs the requests evidence names
   * @param forwardTo the nodes new evidence is forwarded to
   * @param transport how it is forwarded
   * @param upheldWork told of each attestation a re-run upholds: honest work, for the reciprocity ledger
   * @param clock the time stored with evidence and activity
   */
  public EvidenceHandler(KeyPair key, Registry registry, Runner runner, Scores scores, Activity activity, NodeDb db,
      Supplier<List<URI>> forwardTo, Transport transport, Consumer<Attestation> upheldWork, EvidenceIntake intake,
      Clock clock) {
    this.upheldWork = upheldWork;
    this.intake = intake;
    this.clock = clock;
    this.key = key;
    this.registry = registry;
    this.runner = runner;
    this.scores = scores;
    this.activity = activity;
    this.stored = new EvidenceTable(db);
    StoredActivity.restore(stored, activity, Activity.KEEP);
    this.forwardTo = forwardTo;
    this.forwarder = new JsonRpcClient(transport, Duration.ofSeconds(10));
  }

  /** Retries the evidence held until it can be judged, every second, on a thread of its own. */
  public synchronized void start() {
    if (retries == null) {
      retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-evidence-queue");
        t.setDaemon(true);
        return t;
      });
      retries.scheduleWithFixedDelay(this::retryHeld, 1, 1, TimeUnit.SECONDS);
    }
  }

  /** Handles one {@code tandem_submitEvidence} call that did not come over the network. */
  public JsonNode submit(JsonNode params) {
    return submit(params, null);
  }

  /**
   * Handles one {@code tandem_submitEvidence} call from {@code callerAddress} (null: not limited per address).
   *
   * @throws JsonRpc.Failure -32006 when the item is too large, -32008 when it is invalid or over a quota, -32000 when
   *     it cannot be judged yet and the queue is full
   */
  public JsonNode submit(JsonNode params, String callerAddress) {
    PublicKey reporter = reporter(params);
    long size = intake.size(params.get("evidence"));
    Evidence evidence;
    String id;
    try {
      evidence = Evidence.fromJson(params.get("evidence")).check();
      id = evidence.id();
    } catch (IllegalArgumentException e) {
      // Only a registered server's score is lowered: a fresh key costs nothing, and a row for each would let anyone
      // grow node.db without a quota (invalid items are refused before the quotas charge anything).
      if (reporter != null && registry.server(reporter).isPresent()
          && EvidenceReport.signatureValid(params, reporter, submittedId(params))) {
        scores.record(reporter, ScoreEvent.INVALID); // it relayed something that does not check out
        LOG.warn("dropped invalid evidence from {}: {}", reporter, e.getMessage());
      } else {
        LOG.warn("dropped invalid evidence: {}", e.getMessage());
      }
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: evidence: " + e.getMessage());
    }
    if (reporter != null && !EvidenceReport.signatureValid(params, reporter, id)) {
      // Whoever sent this is not the reporter it names: there is nobody to penalize.
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: reporterSig does not verify under " + reporter);
    }
    Receipt receipt = receiveSubmitted(evidence, id, size, callerAddress, reporter);
    return receipt.verdict().toJson(id, receipt.known());
  }

  /** Number of evidence items held in memory until they can be judged. */
  public int held() {
    return intake.queue().size();
  }

  private Receipt receiveSubmitted(Evidence evidence, String id, long size, String address, PublicKey reporter) {
    Optional<Judgement> known = stored.known(id);
    if (known.isPresent()) {
      return new Receipt(id, true, known.get());
    }
    if (intake.queue().contains(id)) {
      return new Receipt(id, false, Judgement.pending("held here until it can be judged"));
    }
    intake.admit(address, reporter, size); // before the re-run: a refused item costs nothing more
    EvidenceIntake.Payer payer = new EvidenceIntake.Payer(address, reporter == null ? null : reporter.toString());
    Judgement verdict = judge(evidence, payer);
    if (verdict.status().equals(Judgement.PENDING)) {
      if (!intake.queue().hold(id, evidence, size, payer)) {
        throw intake.queueFull();
      }
      return new Receipt(id, false, verdict.withDetail("; held here up to " + intake.queueSeconds()
          + " s and judged once possible"));
    }
    stored.store(id, evidence, verdict, clock.millis());
    forward(evidence, id, verdict);
    return new Receipt(id, false, verdict);
  }

  /** Tries the held items whose service record is known now; those judged are stored, forwarded and let go. */
  private void retryHeld() {
    try {
      for (EvidenceQueue.Held h : intake.queue().due(service -> registry.service(service).isPresent())) {
        if (!intake.mayRerun(h.payer())) {
          continue; // its sender's re-run time is used up: it waits for the next hour, or expires
        }
        Judgement verdict = judge(h.evidence(), h.payer());
        if (!verdict.status().equals(Judgement.PENDING)) {
          stored.store(h.id(), h.evidence(), verdict, clock.millis());
          intake.queue().remove(h.id());
          forward(h.evidence(), h.id(), verdict);
        }
      }
    } catch (RuntimeException e) {
      LOG.debug("held evidence not judged yet: {}", e.toString()); // re-runs busy: tried again later
    }
  }

  /**
   * What became of one piece of evidence.
   *
   * @param id its {@link Evidence#id()}
   * @param known whether this node had judged it before (then {@code verdict} is the stored one, without keys)
   * @param verdict what the check concluded
   */
  public record Receipt(String id, boolean known, Judgement verdict) {}

  /**
   * Takes evidence pulled from a peer's {@code tandem_evidence}: checked, re-run and stored like submitted evidence,
   * but never forwarded (every node pulls for itself). Evidence already judged here is not re-run.
   *
   * @param json the evidence as the peer stored it
   * @param from the peer it came from, named in the stored verdict's detail
   * @throws IllegalArgumentException when it is not valid evidence; nobody is penalized, since the peer only relays
   *     what it stored and its stored items were not signed by it
   * @throws JsonRpc.Failure with {@link RpcErrors#OVERLOADED} when re-runs stay busy: try again later
   */
  public Receipt receivePulled(JsonNode json, URI from) {
    long size;
    try {
      size = intake.size(json);
    } catch (JsonRpc.Failure tooLarge) {
      throw new IllegalArgumentException(tooLarge.getMessage());
    }
    Evidence evidence = Evidence.fromJson(json).check();
    String id = evidence.id();
    Optional<Judgement> known = stored.known(id);
    if (known.isPresent()) {
      return new Receipt(id, true, known.get());
    }
    // Charged to the peer's host once stored: items that stay pending are held by the sync, not here.
    String host = from.getHost();
    EvidenceIntake.Payer payer = new EvidenceIntake.Payer(host, null);
    if (!intake.hasRoom(host, size) || !intake.mayRerun(payer)) {
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: evidence quota of " + host
          + " used up this hour (--evidence-kb-per-address-per-hour, --rerun-ms-per-address-per-hour); pulled again "
          + "later");
    }
    Judgement verdict = judge(evidence, payer).withDetail(" (pulled from " + from + ")");
    if (!verdict.status().equals(Judgement.PENDING)) {
      stored.store(id, evidence, verdict, clock.millis());
      intake.charge(host, size);
    }
    return new Receipt(id, false, verdict);
  }

  /** Milliseconds since {@code startedMillis} on the clock, less what this thread waited since reading {@code waited}. */
  private long worked(long startedMillis, long waited) {
    return clock.millis() - startedMillis - TimeUnit.NANOSECONDS.toMillis(WaitTime.nanos() - waited);
  }

  private Judgement judge(Evidence evidence, EvidenceIntake.Payer payer) {
    activity.conflict(new Activity.Conflict(clock.millis(), evidence.service(),
        evidence.request().requestHash(), evidence.attestations().stream().map(a -> a.server().toString())
            .distinct().toList(), "evidence"));
    Optional<ServiceRecord> record = registry.service(evidence.service());
    if (record.isEmpty()) {
      return Judgement.pending("service record not known here yet");
    }
    Runner.Rerun rerun;
    long preparing = clock.millis();
    long waited = WaitTime.nanos();
    try {
      rerun = runner.prepareRerun(record.get(), evidence.request()); // fetching holds no re-run slot
    } catch (Exception e) {
      return Judgement.pending("cannot re-run: " + e.getMessage());
    } finally {
      // Fetching and loading a stranger's module cost as much as running it, and whoever brought it chose it; the
      // time it waited for a load slot or memory that other work held is not its doing.
      long spent = worked(preparing, waited);
      if (spent > 0) {
        intake.chargeRerun(payer, spent);
      }
    }
    // Re-runs are bounded; evidence arrives in small bursts (a client and every forwarding node send the same
    // conflict), so a short wait beats refusing it.
    boolean permitted;
    try {
      permitted = reruns.tryAcquire(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      permitted = false;
    }
    if (!permitted) {
      throw new JsonRpc.Failure(RpcErrors.OVERLOADED, "overloaded: evidence checks are busy; try again");
    }
    Outcome outcome;
    long started = clock.millis(); // the simulation's clock in a simulation: charges stay reproducible
    waited = WaitTime.nanos();
    try {
      outcome = rerun.run();
    } catch (Exception e) {
      return Judgement.pending("cannot re-run: " + e.getMessage());
    } finally {
      reruns.release();
      intake.chargeRerun(payer, worked(started, waited));
    }
    if (!(outcome instanceof Outcome.Deterministic det)) {
      return Judgement.pending("re-run was not deterministic: " + outcome.label());
    }
    String mine = Hashes.sha256Hex(det.responseJson());
    List<PublicKey> convicted = new ArrayList<>();
    List<PublicKey> upheld = new ArrayList<>();
    for (Attestation a : evidence.attestations()) {
      if (a.responseHash().equals(mine)) {
        if (!upheld.contains(a.server())) {
          upheld.add(a.server());
          upheldWork.accept(a); // honest work seen (its signed fuel only): counts in the reciprocity ledger
        }
      } else if (!convicted.contains(a.server())) {
        convicted.add(a.server());
      }
    }
    long now = clock.millis();
    for (PublicKey liar : convicted) {
      if (liar.equals(key.publicKey())) {
        LOG.error("evidence shows THIS node signed a wrong answer for {} request {}", evidence.service(),
            evidence.request().requestHash());
        continue;
      }
      // The record of why comes first: whoever sees the score at 0 finds the conviction in the activity too.
      activity.conviction(new Activity.Conviction(now, liar.toString(), evidence.service(),
          evidence.request().requestHash(), "signed response " + shortHash(evidence, liar) + " but a re-run gives "
              + mine.substring(0, 12)));
      scores.convict(liar);
      LOG.info("convicted {}: signed a wrong answer for service {} (re-run here)", liar, evidence.service());
    }
    return new Judgement(convicted.isEmpty() ? "upheld" : "convicted", mine, convicted, upheld, "re-run here");
  }

  private static String shortHash(Evidence evidence, PublicKey server) {
    return evidence.attestations().stream().filter(a -> a.server().equals(server)).findFirst()
        .map(a -> a.responseHash().substring(0, 12)).orElse("?");
  }

  private PublicKey reporter(JsonNode params) {
    JsonNode r = params.get("reporter");
    if (r == null || r.isNull()) {
      return null;
    }
    try {
      return PublicKey.parse(r.asText());
    } catch (IllegalArgumentException e) {
      throw new JsonRpc.Failure(RpcErrors.INVALID_PARAMS, "invalid params: reporter: " + e.getMessage());
    }
  }

  /** The id of the evidence as submitted, when it parses though it does not check out; else null. */
  private static String submittedId(JsonNode params) {
    try {
      return Evidence.fromJson(params.get("evidence")).id();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void forward(Evidence evidence, String id, Judgement verdict) {
    forwarding.execute(() -> forwardNow(evidence, id));
  }

  /**
   * Where new evidence is forwarded from: a node forwards off the submitting caller's thread, since choosing the
   * targets checks the peer policy, which may look names up (the simulation keeps the default, on the caller's
   * thread, so its runs replay).
   */
  public void forwardOn(java.util.concurrent.Executor executor) {
    this.forwarding = executor;
  }

  private void forwardNow(Evidence evidence, String id) {
    JsonNode params = EvidenceReport.signed(evidence, id, key);
    for (URI target : forwardTo.get()) {
      forwarder.send(NodeUrls.rpc(target), Methods.SUBMIT_EVIDENCE, params).whenComplete((reply, e) -> {
        if (e != null) {
          LOG.debug("forwarding evidence {} to {} failed: {}", id, target, e.toString());
        }
      });
    }
  }

  @Override
  public synchronized void close() {
    if (retries != null) {
      retries.shutdownNow();
    }
    forwarder.close();
  }
}
